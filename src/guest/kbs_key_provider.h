// The confidential data hub's image key provider: layer-key ids such as
// "kbs:///default/key/1" are KBS resources, fetched through an attested KbsClient. This is how
// an encrypted image's key reaches the guest only after attestation succeeded.
#pragma once

#include <memory>
#include <mutex>

#include "guest/kbs_client.h"
#include "image/ocicrypt_keyprovider.h"

namespace cocoon::guest {

class KbsKeyProvider final : public image::KeyProvider {
 public:
  explicit KbsKeyProvider(std::shared_ptr<KbsClient> client) : client_(std::move(client)) {}
  // The resource at `kid` (re-attesting when the KBS asks). NotFound when the KBS has no such
  // resource; Unauthenticated / PermissionDenied ("Access denied by policy") as the KBS answers.
  Result<crypto::SecretBytes> GetKey(std::string_view kid) override;

 private:
  std::mutex mu_;  // KbsClient keeps session state; layers may unwrap concurrently
  std::shared_ptr<KbsClient> client_;
};

}  // namespace cocoon::guest
