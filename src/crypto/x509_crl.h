// X.509 certificate revocation lists: parsing, issuer signature check and revocation lookup.
// Trusts nothing itself: the caller decides which key a CRL must be signed by.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

namespace cocoon::crypto {

namespace internal {
struct CrlHandle;
}

class Crl {
 public:
  static Result<Crl> FromDer(ByteSpan der);
  // All CRLs ("X509 CRL" blocks) in PEM text; other PEM blocks are skipped. Empty if none.
  static Result<std::vector<Crl>> ParsePemBundle(std::string_view pem);

  std::string Issuer() const;  // one-line RFC 2253
  // Unauthenticated if the CRL is not signed by `issuer_key`.
  Status VerifySignedBy(const PublicKey& issuer_key) const;
  // True if the CRL lists `cert`'s serial number (the caller checks the issuer matches).
  bool Revokes(const Certificate& cert) const;
  Result<int64_t> ThisUpdate() const;
  Result<Bytes> ToDer() const;

  explicit Crl(std::shared_ptr<internal::CrlHandle> h) : crl_(std::move(h)) {}

 private:
  std::shared_ptr<internal::CrlHandle> crl_;
};

}  // namespace cocoon::crypto
