// CRLs, certificate validity times and serials through OpenSSL (X509_CRL, ASN1_TIME). Only parsing and
// signature checks: policy (which issuer, which time) is the caller's.
#include "crypto/crl.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

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
  if (t == nullptr) return InvalidArgument(std::string(what) + " missing");
  struct tm tm = {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return OpensslError(Code::kInvalidArgument, std::string(what) + " unreadable");
  }
  return static_cast<int64_t>(timegm(&tm));
}

std::string NameText(const X509_NAME* name) {
  auto bio = internal::WriteBio();
  if (!bio) return "";
  if (X509_NAME_print_ex(bio->get(), name, 0, XN_FLAG_RFC2253) < 0) {
    internal::DrainOpensslErrors();
    return "";
  }
  return ToString(internal::BioContents(bio->get()));
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

Result<Validity> CertificateValidity(const Certificate& cert) {
  Validity v;
  ASSIGN_OR_RETURN(v.not_before, cert.NotBefore());
  ASSIGN_OR_RETURN(v.not_after, cert.NotAfter());
  return v;
}

Result<Bytes> CertificateSerial(const Certificate& cert) { return cert.SerialNumber(); }

std::string CertificateIssuer(const Certificate& cert) {
  return NameText(X509_get_issuer_name(cert.handle().x509));
}

Result<Crl> WrapCrl(void* raw) {
  auto* x = static_cast<X509_CRL*>(raw);
  Crl crl(std::make_shared<internal::CrlHandle>(x));
  ASSIGN_OR_RETURN(crl.this_update_, ToUnix(X509_CRL_get0_lastUpdate(x), "CRL thisUpdate"));
  if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(x)) {
    ASSIGN_OR_RETURN(int64_t n, ToUnix(next, "CRL nextUpdate"));
    crl.next_update_ = n;
  }
  return crl;
}

Result<Crl> Crl::FromDer(ByteSpan der) {
  if (der.size() > internal::kMaxChunk) return InvalidArgument("CRL too large");
  const unsigned char* p = der.data();
  X509_CRL* x = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr) return OpensslError(Code::kInvalidArgument, "malformed DER CRL");
  if (p != der.data() + der.size()) {
    X509_CRL_free(x);
    return InvalidArgument("trailing bytes after CRL");
  }
  return WrapCrl(x);
}

Result<Crl> Crl::FromPem(std::string_view pem) {
  ASSIGN_OR_RETURN(internal::BioPtr bio, internal::ReadBio(pem));
  X509_CRL* x = PEM_read_bio_X509_CRL(bio.get(), nullptr, internal::NoPassword, nullptr);
  if (x == nullptr) return OpensslError(Code::kInvalidArgument, "no PEM CRL");
  ERR_clear_error();
  return WrapCrl(x);
}

Result<Crl> Crl::FromAny(ByteSpan bytes) {
  if (AsString(bytes).find("-----BEGIN X509 CRL-----") != std::string_view::npos) {
    return FromPem(AsString(bytes));
  }
  return FromDer(bytes);
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
    ASSIGN_OR_RETURN(Crl crl, FromPem(pem.substr(pos, end - pos)));
    out.push_back(std::move(crl));
    pos = end;
  }
  return out;
}

Result<Bytes> Crl::ToDer() const {
  unsigned char* der = nullptr;
  int len = i2d_X509_CRL(crl_->crl, &der);
  if (len <= 0) return OpensslError(Code::kInternal, "i2d_X509_CRL");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Status Crl::VerifySignedBy(const PublicKey& issuer_key) const {
  if (X509_CRL_verify(crl_->crl, issuer_key.handle().pkey) != 1) {
    return OpensslError(Code::kUnauthenticated, "CRL '" + Issuer() + "' not signed by the key");
  }
  return Ok();
}

std::string Crl::Issuer() const { return NameText(X509_CRL_get_issuer(crl_->crl)); }
int64_t Crl::this_update() const { return this_update_; }
std::optional<int64_t> Crl::next_update() const { return next_update_; }

std::optional<std::string> Crl::Number() const {
  auto* num =
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl_->crl, NID_crl_number, nullptr, nullptr));
  if (num == nullptr) {
    internal::DrainOpensslErrors();
    return std::nullopt;
  }
  std::optional<std::string> out;
  internal::BnPtr bn(ASN1_INTEGER_to_BN(num, nullptr));
  ASN1_INTEGER_free(num);
  if (bn) {
    char* dec = BN_bn2dec(bn.get());
    if (dec != nullptr) {
      out = dec;
      OPENSSL_free(dec);
    }
  }
  internal::DrainOpensslErrors();
  return out;
}

bool Crl::IsRevoked(const Certificate& cert) const {
  X509_REVOKED* entry = nullptr;
  int r = X509_CRL_get0_by_serial(crl_->crl, &entry, X509_get0_serialNumber(cert.handle().x509));
  internal::DrainOpensslErrors();
  return r == 1;
}

}  // namespace cocoon::crypto
