// The confidential data hub's image key provider: layer-key ids such as
// "kbs:///default/key/1" are KBS resources, fetched through an attested KbsClient. This is how
// an encrypted image's key reaches the guest only after attestation succeeded.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "guest/kbs_client.h"
#include "image/ocicrypt/ocicrypt_keyprovider.h"

namespace cocoon::guest {

class KbsKeyProvider final : public image::KeyProvider {
 public:
  // `progress` (optional) hears "attested to the KBS …" and "key … released" as they happen.
  explicit KbsKeyProvider(std::shared_ptr<KbsClient> client,
                          std::function<void(std::string_view)> progress = {})
      : client_(std::move(client)), progress_(std::move(progress)) {}
  // The resource at `kid` (re-attesting when the KBS asks). NotFound when the KBS has no such
  // resource; Unauthenticated / PermissionDenied ("Access denied by policy") as the KBS answers.
  Result<crypto::SecretBytes> GetKey(std::string_view kid) override;

 private:
  std::mutex mu_;  // KbsClient keeps session state; layers may unwrap concurrently
  std::shared_ptr<KbsClient> client_;
  std::function<void(std::string_view)> progress_;
};

}  // namespace cocoon::guest
