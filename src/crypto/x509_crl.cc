// CRLs and certificate validity times over OpenSSL's X509_CRL / ASN1_TIME.
#include "crypto/x509_crl.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>

#include "crypto/internal/openssl_util.h"
#include "crypto/internal/pkey.h"
#include "crypto/internal/x509_handle.h"

namespace cocoon::crypto {

namespace internal {
struct CrlHandle {
  explicit CrlHandle(X509_CRL* c) : crl(c) {}
  ~CrlHandle() { X509_CRL_free(crl); }
  CrlHandle(const CrlHandle&) = delete;
  CrlHandle& operator=(const CrlHandle&) = delete;
  X509_CRL* crl;
};
}  // namespace internal

using internal::OpensslError;

namespace {

Result<int64_t> ToUnix(const ASN1_TIME* t, std::string_view what) {
  struct tm tm;
  std::memset(&tm, 0, sizeof(tm));
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    internal::DrainOpensslErrors();
    return InvalidArgument(std::string(what) + ": unreadable time");
  }
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

Result<int64_t> Certificate::NotBefore() const {
  return ToUnix(X509_get0_notBefore(x509_->x509), "certificate notBefore");
}

Result<int64_t> Certificate::NotAfter() const {
  return ToUnix(X509_get0_notAfter(x509_->x509), "certificate notAfter");
}

Bytes Certificate::SerialNumber() const {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(x509_->x509);
  const uint8_t* data = ASN1_STRING_get0_data(serial);
  return Bytes(data, data + ASN1_STRING_length(serial));
}

Result<Crl> Crl::FromDer(ByteSpan der) {
  if (der.size() > internal::kMaxChunk) return InvalidArgument("CRL too large");
  const unsigned char* p = der.data();
  X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
  if (crl == nullptr) return OpensslError(Code::kInvalidArgument, "malformed DER CRL");
  auto handle = std::make_shared<internal::CrlHandle>(crl);
  if (p != der.data() + der.size()) return InvalidArgument("trailing bytes after CRL");
  return Crl(std::move(handle));
}

Result<std::vector<Crl>> Crl::ParsePemBundle(std::string_view pem) {
  static constexpr std::string_view kBegin = "-----BEGIN X509 CRL-----";
  static constexpr std::string_view kEnd = "-----END X509 CRL-----";
  std::vector<Crl> out;
  size_t pos = 0;
  while ((pos = pem.find(kBegin, pos)) != std::string_view::npos) {
    size_t end = pem.find(kEnd, pos);
    if (end == std::string_view::npos) return InvalidArgument("unterminated X509 CRL PEM block");
    end += kEnd.size();
    ASSIGN_OR_RETURN(internal::BioPtr bio, internal::ReadBio(pem.substr(pos, end - pos)));
    X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, internal::NoPassword, nullptr);
    if (crl == nullptr) return OpensslError(Code::kInvalidArgument, "malformed X509 CRL PEM");
    out.emplace_back(std::make_shared<internal::CrlHandle>(crl));
    pos = end;
  }
  return out;
}

std::string Crl::Issuer() const {
  auto bio = internal::WriteBio();
  if (!bio) return "";
  if (X509_NAME_print_ex(bio->get(), X509_CRL_get_issuer(crl_->crl), 0, XN_FLAG_RFC2253) < 0) {
    internal::DrainOpensslErrors();
    return "";
  }
  return ToString(internal::BioContents(bio->get()));
}

Status Crl::VerifySignedBy(const PublicKey& issuer_key) const {
  if (X509_CRL_verify(crl_->crl, issuer_key.handle().pkey) != 1) {
    return OpensslError(Code::kUnauthenticated,
                        "CRL of '" + Issuer() + "' is not signed by the given key");
  }
  return Ok();
}

bool Crl::Revokes(const Certificate& cert) const {
  X509_REVOKED* entry = nullptr;
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.handle().x509);
  int found = X509_CRL_get0_by_serial(crl_->crl, &entry, serial);
  return found == 1;
}

Result<int64_t> Crl::ThisUpdate() const {
  return ToUnix(X509_CRL_get0_lastUpdate(crl_->crl), "CRL thisUpdate");
}

Result<Bytes> Crl::ToDer() const {
  unsigned char* der = nullptr;
  int len = i2d_X509_CRL(crl_->crl, &der);
  if (len <= 0) return OpensslError(Code::kInternal, "i2d_X509_CRL");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

}  // namespace cocoon::crypto
