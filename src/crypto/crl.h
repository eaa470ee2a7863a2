// X.509 certificate facts verifiers need beyond x509.h (validity window, serial, issuer) and
// certificate revocation lists (RFC 5280 §5): parse, check the issuer's signature, look up a
// serial. Trusts nothing by itself: callers decide which key must have signed a CRL.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

namespace cocoon::crypto {

struct Validity {
  int64_t not_before = 0;  // unix seconds
  int64_t not_after = 0;
};
// notBefore/notAfter of `cert` (InvalidArgument if the times cannot be read).
Result<Validity> CertificateValidity(const Certificate& cert);
// Big-endian serial number bytes (minimal, no sign byte).
Result<Bytes> CertificateSerial(const Certificate& cert);
// One-line RFC 2253 issuer name.
std::string CertificateIssuer(const Certificate& cert);

namespace internal {
struct CrlHandle;
}

class Crl {
 public:
  // DER, or PEM ("X509 CRL"); FromAny sniffs which. InvalidArgument if malformed.
  static Result<Crl> FromDer(ByteSpan der);
  static Result<Crl> FromPem(std::string_view pem);
  static Result<Crl> FromAny(ByteSpan bytes);
  // All CRLs ("X509 CRL" blocks) in PEM text; other PEM blocks are skipped. Empty if none.
  static Result<std::vector<Crl>> ParsePemBundle(std::string_view pem);
  Result<Bytes> ToDer() const;

  // Unauthenticated if `issuer_key` did not sign this CRL.
  Status VerifySignedBy(const PublicKey& issuer_key) const;
  std::string Issuer() const;  // RFC 2253
  int64_t this_update() const;
  std::optional<int64_t> next_update() const;
  // The cRLNumber extension as a decimal string, or nullopt.
  std::optional<std::string> Number() const;
  // True if `cert`'s serial is listed.
  bool IsRevoked(const Certificate& cert) const;

  explicit Crl(std::shared_ptr<internal::CrlHandle> h) : crl_(std::move(h)) {}

 private:
  std::shared_ptr<internal::CrlHandle> crl_;
  int64_t this_update_ = 0;
  std::optional<int64_t> next_update_;
  friend Result<Crl> WrapCrl(void*);
};

}  // namespace cocoon::crypto
