// OpenPGP signing and verification of simple signatures through gpgme. Verification runs in a
// private temporary GNUPGHOME holding only the policy's keys (no agent is ever started there);
// signatures and keys are untrusted input.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace cocoon::image {

struct GpgVerified {
  Bytes payload;            // the signed literal data
  std::string fingerprint;  // primary key fingerprint of the signer (upper-case hex)
};

class GpgVerifier {
 public:
  // A fresh temporary GNUPGHOME with `keyrings` (binary or armored exports) imported.
  // InvalidArgument if a keyring holds no key; Internal if gpgme or the home cannot be set up.
  static Result<std::unique_ptr<GpgVerifier>> Create(const std::vector<Bytes>& keyrings);
  ~GpgVerifier();  // removes the temporary home
  GpgVerifier(const GpgVerifier&) = delete;
  GpgVerifier& operator=(const GpgVerifier&) = delete;

  // Verifies an opaque signed message (binary or armored). Unauthenticated unless it carries
  // exactly one good, unexpired, unrevoked signature by one of the imported keys.
  Result<GpgVerified> Verify(ByteSpan signature) const;

  const std::vector<std::string>& fingerprints() const { return fingerprints_; }

 private:
  struct Ctx;
  GpgVerifier(std::string home, std::unique_ptr<Ctx> ctx);
  Status ListSubkeys();
  std::string home_;
  std::unique_ptr<Ctx> ctx_;
  std::vector<std::string> fingerprints_;
  std::map<std::string, std::string> primary_of_;  // subkey fingerprint -> imported primary
};

// Signs `payload` as an opaque binary OpenPGP message with the secret key `fingerprint` from
// `gnupg_home` (empty: the default home). The key must need no passphrase (loopback pinentry,
// none given). NotFound if the secret key is absent; Internal on gpgme failures. The agent of
// `gnupg_home` is the caller's to stop.
Result<Bytes> GpgSign(const std::string& fingerprint, const std::string& gnupg_home,
                      ByteSpan payload);

}  // namespace cocoon::image
