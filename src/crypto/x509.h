// X.509 certificates and chain verification (OpenSSL X509_STORE), and CRLs.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/keys.h"

namespace cocoon::crypto {

namespace internal {
struct X509Handle;
}

class Certificate {
 public:
  static Result<Certificate> FromDer(ByteSpan der);
  // First certificate in the PEM text.
  static Result<Certificate> FromPem(std::string_view pem);
  // All certificates in a PEM bundle (InvalidArgument if none).
  static Result<std::vector<Certificate>> ParsePemBundle(std::string_view pem);
  // Every certificate in `bytes`: a PEM bundle, or one or more concatenated DER certificates
  // (Intel publishes its SGX root as DER). InvalidArgument naming the form that failed.
  static Result<std::vector<Certificate>> ParseAny(ByteSpan bytes);

  Result<PublicKey> public_key() const;
  Result<Bytes> ToDer() const;
  std::string SubjectCommonName() const;
  std::string IssuerCommonName() const;
  std::string Subject() const;  // one-line RFC 2253
  // Raw DER bytes of an extension value (the OCTET STRING contents), nullopt if absent.
  std::optional<Bytes> ExtensionValue(std::string_view oid) const;
  // Verifies this certificate's signature with `issuer_key` only (no path validation).
  Status VerifySignedBy(const PublicKey& issuer_key) const;
  // Validity period as Unix seconds (x509_crl.cc); InvalidArgument if unreadable.
  Result<int64_t> NotBefore() const;
  Result<int64_t> NotAfter() const;
  // Serial number, big-endian magnitude (x509_crl.cc).
  Bytes SerialNumber() const;

  const internal::X509Handle& handle() const { return *x509_; }
  explicit Certificate(std::shared_ptr<internal::X509Handle> h) : x509_(std::move(h)) {}

 private:
  std::shared_ptr<internal::X509Handle> x509_;
};

// The certificates in the file at `path` (PEM or DER, see ParseAny). Errors name `what` and
// the path: NotFound if missing, InvalidArgument if it holds no certificate. Every loader of a
// root, trust anchor or chain file goes through here.
Result<std::vector<Certificate>> LoadCertificates(const std::string& path, std::string_view what);

struct ChainOptions {
  // Verification time; nullopt = now.
  std::optional<std::chrono::system_clock::time_point> at;
  bool check_time = true;
  // Most intermediate CAs allowed between leaf and anchor (X509_VERIFY_PARAM_set_depth).
  size_t max_depth = 8;
};

// Builds a path from `leaf` through `untrusted` intermediates to one of `anchors`.
// Unauthenticated (with OpenSSL's reason) if no valid path exists; InvalidArgument without
// anchors; ResourceExhausted if `untrusted` exceeds limits::kX509ChainMaxLength.
Status VerifyChain(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                   const std::vector<Certificate>& anchors, const ChainOptions& opts = {});

}  // namespace cocoon::crypto
