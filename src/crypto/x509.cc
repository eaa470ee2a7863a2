// X.509 certificates: parsing, field access, signature checks and path validation with
// OpenSSL's X509_STORE. Trusts only the anchors the caller passes in (no system store).
#include "crypto/x509.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "base/file.h"
#include "crypto/internal/openssl_util.h"
#include "crypto/internal/pkey.h"
#include "crypto/internal/x509_handle.h"

namespace cocoon::crypto {

using internal::OpensslError;

namespace {

Certificate Wrap(internal::X509Ptr x509) {
  return Certificate(std::make_shared<internal::X509Handle>(x509.release()));
}

// True if the queue's latest error is PEM's "no start line", i.e. the input simply ended.
bool AtPemEnd() {
  unsigned long e = ERR_peek_last_error();
  return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

}  // namespace

Result<Certificate> Certificate::FromDer(ByteSpan der) {
  if (der.size() > internal::kMaxChunk) return InvalidArgument("certificate too large");
  const unsigned char* p = der.data();
  internal::X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x509) return OpensslError(Code::kInvalidArgument, "malformed DER certificate");
  if (p != der.data() + der.size()) return InvalidArgument("trailing bytes after certificate");
  return Wrap(std::move(x509));
}

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  ASSIGN_OR_RETURN(internal::BioPtr bio, internal::ReadBio(pem));
  internal::X509Ptr x509(PEM_read_bio_X509(bio.get(), nullptr, internal::NoPassword, nullptr));
  if (!x509) return OpensslError(Code::kInvalidArgument, "no PEM certificate");
  ERR_clear_error();
  return Wrap(std::move(x509));
}

Result<std::vector<Certificate>> Certificate::ParsePemBundle(std::string_view pem) {
  ASSIGN_OR_RETURN(internal::BioPtr bio, internal::ReadBio(pem));
  std::vector<Certificate> certs;
  while (true) {
    internal::X509Ptr x509(PEM_read_bio_X509(bio.get(), nullptr, internal::NoPassword, nullptr));
    if (!x509) break;
    certs.push_back(Wrap(std::move(x509)));
  }
  if (!AtPemEnd()) {
    return OpensslError(Code::kInvalidArgument,
                        "malformed certificate #" + std::to_string(certs.size() + 1) + " in PEM");
  }
  ERR_clear_error();
  if (certs.empty()) return InvalidArgument("PEM bundle holds no certificates");
  return certs;
}

namespace {

bool LooksLikePem(ByteSpan bytes) {
  return AsString(bytes).find("-----BEGIN") != std::string_view::npos;
}

// Concatenated DER certificates, each read with its own length.
Result<std::vector<Certificate>> ParseDerSequence(ByteSpan der) {
  std::vector<Certificate> certs;
  const unsigned char* p = der.data();
  const unsigned char* end = der.data() + der.size();
  while (p < end) {
    internal::X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(end - p)));
    if (!x509) {
      return OpensslError(
          Code::kInvalidArgument,
          "neither PEM nor DER: malformed DER certificate #" + std::to_string(certs.size() + 1));
    }
    certs.push_back(Wrap(std::move(x509)));
  }
  if (certs.empty()) return InvalidArgument("empty: no PEM or DER certificate");
  return certs;
}

}  // namespace

Result<std::vector<Certificate>> Certificate::ParseAny(ByteSpan bytes) {
  if (bytes.size() > internal::kMaxChunk) return InvalidArgument("certificate file too large");
  if (LooksLikePem(bytes)) return ParsePemBundle(AsString(bytes));
  return ParseDerSequence(bytes);
}

Result<std::vector<Certificate>> LoadCertificates(const std::string& path, std::string_view what) {
  constexpr size_t kMaxCertificateFile = size_t{1} << 20;
  auto bytes = base::ReadFile(path, what, kMaxCertificateFile);
  if (!bytes) return std::unexpected(bytes.error());
  auto certs = Certificate::ParseAny(AsBytes(*bytes));
  if (!certs) return std::unexpected(certs.error().WithContext(std::string(what) + " " + path));
  return certs;
}

Result<PublicKey> Certificate::public_key() const {
  internal::PkeyPtr pkey(X509_get_pubkey(x509_->x509));
  if (!pkey) return OpensslError(Code::kInvalidArgument, "certificate public key");
  return internal::WrapPublic(std::move(pkey));
}

Result<Bytes> Certificate::ToDer() const {
  unsigned char* der = nullptr;
  int len = i2d_X509(x509_->x509, &der);
  if (len <= 0) return OpensslError(Code::kInternal, "i2d_X509");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

namespace {

std::string CommonName(X509_NAME* name) {
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) {
    internal::DrainOpensslErrors();
    return "";
  }
  std::string cn(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return cn;
}

}  // namespace

std::string Certificate::SubjectCommonName() const {
  return CommonName(X509_get_subject_name(x509_->x509));
}

std::string Certificate::IssuerCommonName() const {
  return CommonName(X509_get_issuer_name(x509_->x509));
}

std::string Certificate::Subject() const {
  auto bio = internal::WriteBio();
  if (!bio) return "";
  if (X509_NAME_print_ex(bio->get(), X509_get_subject_name(x509_->x509), 0, XN_FLAG_RFC2253) < 0) {
    internal::DrainOpensslErrors();
    return "";
  }
  return ToString(internal::BioContents(bio->get()));
}

std::optional<Bytes> Certificate::ExtensionValue(std::string_view oid) const {
  std::string oid_text(oid);
  internal::Asn1ObjectPtr obj(OBJ_txt2obj(oid_text.c_str(), /*no_name=*/1));
  if (!obj) {
    internal::DrainOpensslErrors();
    return std::nullopt;
  }
  int idx = X509_get_ext_by_OBJ(x509_->x509, obj.get(), -1);
  if (idx < 0) return std::nullopt;
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(x509_->x509, idx));
  const uint8_t* data = ASN1_STRING_get0_data(value);
  return Bytes(data, data + ASN1_STRING_length(value));
}

Status Certificate::VerifySignedBy(const PublicKey& issuer_key) const {
  if (X509_verify(x509_->x509, issuer_key.handle().pkey) != 1) {
    return OpensslError(Code::kUnauthenticated,
                        "certificate '" + Subject() + "' is not signed by the given key");
  }
  return Ok();
}

}  // namespace cocoon::crypto
