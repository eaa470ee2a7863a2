// PublicKey: loading from PEM/DER/JWK components, export, and component accessors.
#include "crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/internal/openssl_util.h"
#include "crypto/internal/pkey.h"

namespace cocoon::crypto {

using internal::OpensslError;

size_t EcCoordinateSize(KeyType t) { return internal::CoordinateSize(t); }

std::string_view KeyTypeName(KeyType t) {
  switch (t) {
    case KeyType::kRsa:
      return "RSA";
    case KeyType::kEcP256:
      return "P-256";
    case KeyType::kEcP384:
      return "P-384";
    case KeyType::kEcP521:
      return "P-521";
    case KeyType::kEd25519:
      return "Ed25519";
  }
  return "unknown";
}

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  ASSIGN_OR_RETURN(internal::BioPtr bio, internal::ReadBio(pem));
  internal::PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, internal::NoPassword, nullptr));
  if (!pkey) {
    internal::DrainOpensslErrors();
    ASSIGN_OR_RETURN(bio, internal::ReadBio(pem));
    internal::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, internal::NoPassword, nullptr));
    if (!cert)
      return OpensslError(Code::kInvalidArgument, "PEM holds no PUBLIC KEY or CERTIFICATE");
    pkey.reset(X509_get_pubkey(cert.get()));
    if (!pkey) return OpensslError(Code::kInvalidArgument, "certificate public key");
  }
  ERR_clear_error();
  return internal::WrapPublic(std::move(pkey));
}

Result<PublicKey> PublicKey::FromDer(ByteSpan spki_der) {
  if (spki_der.size() > internal::kMaxChunk) return InvalidArgument("SPKI too large");
  const unsigned char* p = spki_der.data();
  internal::PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!pkey) return OpensslError(Code::kInvalidArgument, "malformed SubjectPublicKeyInfo");
  if (p != spki_der.data() + spki_der.size()) {
    return InvalidArgument("trailing bytes after SubjectPublicKeyInfo");
  }
  return internal::WrapPublic(std::move(pkey));
}

Result<PublicKey> PublicKey::FromRsa(ByteSpan n, ByteSpan e) {
  if (n.empty() || e.empty()) return InvalidArgument("RSA modulus or exponent is empty");
  ASSIGN_OR_RETURN(internal::BnPtr bn_n, internal::BnFromBytes(n));
  ASSIGN_OR_RETURN(internal::BnPtr bn_e, internal::BnFromBytes(e));
  internal::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return OpensslError(Code::kInternal, "building RSA parameters");
  }
  ASSIGN_OR_RETURN(internal::PkeyPtr pkey,
                   internal::PkeyFromParams("RSA", EVP_PKEY_PUBLIC_KEY, bld.get()));
  return internal::WrapPublic(std::move(pkey));
}

Result<PublicKey> PublicKey::FromEc(KeyType curve, ByteSpan x, ByteSpan y) {
  if (!internal::IsEc(curve)) return InvalidArgument("FromEc needs an EC curve");
  size_t size = internal::CoordinateSize(curve);
  if (x.size() != size || y.size() != size) {
    return InvalidArgument("EC coordinates must be " + std::to_string(size) + " bytes for " +
                           std::string(KeyTypeName(curve)));
  }
  Bytes point{0x04};  // uncompressed SEC1 point
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  std::string group(internal::CurveName(curve));
  internal::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return OpensslError(Code::kInternal, "building EC parameters");
  }
  ASSIGN_OR_RETURN(internal::PkeyPtr pkey,
                   internal::PkeyFromParams("EC", EVP_PKEY_PUBLIC_KEY, bld.get()));
  return internal::WrapPublic(std::move(pkey));
}

Result<PublicKey> PublicKey::FromEd25519(ByteSpan raw32) {
  if (raw32.size() != 32) return InvalidArgument("Ed25519 public key must be 32 bytes");
  internal::PkeyPtr pkey(
      EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, raw32.data(), raw32.size()));
  if (!pkey) return OpensslError(Code::kInvalidArgument, "invalid Ed25519 public key");
  return internal::WrapPublic(std::move(pkey));
}

KeyType PublicKey::type() const { return pkey_->type; }

Result<std::string> PublicKey::ToPem() const {
  ASSIGN_OR_RETURN(internal::BioPtr bio, internal::WriteBio());
  if (PEM_write_bio_PUBKEY(bio.get(), pkey_->pkey) != 1) {
    return OpensslError(Code::kInternal, "PEM_write_bio_PUBKEY");
  }
  return ToString(internal::BioContents(bio.get()));
}

Result<Bytes> PublicKey::ToDer() const {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey_->pkey, &der);
  if (len <= 0) return OpensslError(Code::kInternal, "i2d_PUBKEY");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

namespace {

Result<Bytes> BnParam(EVP_PKEY* pkey, const char* name, size_t width) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
    return OpensslError(Code::kInternal, std::string("reading key parameter ") + name);
  }
  internal::BnPtr owner(bn);
  return internal::BnToBytes(bn, width);
}

Status RequireType(bool ok, std::string_view what) {
  if (!ok) return FailedPrecondition(std::string(what) + " requested from a different key type");
  return Ok();
}

}  // namespace

Result<Bytes> PublicKey::RsaModulus() const {
  TRY(RequireType(type() == KeyType::kRsa, "RSA modulus"));
  return BnParam(pkey_->pkey, OSSL_PKEY_PARAM_RSA_N, 0);
}

Result<Bytes> PublicKey::RsaExponent() const {
  TRY(RequireType(type() == KeyType::kRsa, "RSA exponent"));
  return BnParam(pkey_->pkey, OSSL_PKEY_PARAM_RSA_E, 0);
}

Result<Bytes> PublicKey::EcX() const {
  TRY(RequireType(internal::IsEc(type()), "EC x"));
  return BnParam(pkey_->pkey, OSSL_PKEY_PARAM_EC_PUB_X, internal::CoordinateSize(type()));
}

Result<Bytes> PublicKey::EcY() const {
  TRY(RequireType(internal::IsEc(type()), "EC y"));
  return BnParam(pkey_->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, internal::CoordinateSize(type()));
}

Result<Bytes> PublicKey::Ed25519Raw() const {
  TRY(RequireType(type() == KeyType::kEd25519, "Ed25519 key"));
  Bytes out(32);
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey_->pkey, out.data(), &len) != 1 || len != 32) {
    return OpensslError(Code::kInternal, "EVP_PKEY_get_raw_public_key");
  }
  return out;
}

size_t PublicKey::RsaBits() const {
  return type() == KeyType::kRsa ? static_cast<size_t>(EVP_PKEY_get_bits(pkey_->pkey)) : 0;
}

bool PublicKey::Equals(const PublicKey& other) const {
  bool eq = EVP_PKEY_eq(pkey_->pkey, other.pkey_->pkey) == 1;
  ERR_clear_error();  // keys of different types leave a note on the queue
  return eq;
}

}  // namespace cocoon::crypto
