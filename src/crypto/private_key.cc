// PrivateKey: generation, PEM import/export, and construction from JWK-style components.
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "crypto/internal/openssl_util.h"
#include "crypto/internal/pkey.h"
#include "crypto/keys.h"

namespace cocoon::crypto {

using internal::OpensslError;

Result<PrivateKey> PrivateKey::Generate(KeyType type, int rsa_bits) {
  EVP_PKEY* raw = nullptr;
  switch (type) {
    case KeyType::kRsa:
      if (rsa_bits != 2048 && rsa_bits != 3072 && rsa_bits != 4096) {
        return InvalidArgument("RSA key size must be 2048, 3072 or 4096 bits");
      }
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits));
      break;
    case KeyType::kEcP256:
    case KeyType::kEcP384:
    case KeyType::kEcP521:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", internal::CurveName(type).data());
      break;
    case KeyType::kEd25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (raw == nullptr) return OpensslError(Code::kInternal, "key generation failed");
  return internal::WrapGenerated(internal::PkeyPtr(raw), type);
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  ASSIGN_OR_RETURN(internal::BioPtr bio, internal::ReadBio(pem));
  internal::PkeyPtr pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, internal::NoPassword, nullptr));
  if (!pkey) return OpensslError(Code::kInvalidArgument, "PEM holds no unencrypted private key");
  ERR_clear_error();
  return internal::WrapPrivate(std::move(pkey));
}

namespace {

// Returns d*G as an uncompressed SEC1 point; InvalidArgument unless 1 <= d < order.
Result<Bytes> EcPublicFromScalar(KeyType curve, const BIGNUM* d) {
  internal::EcGroupPtr group(
      EC_GROUP_new_by_curve_name(EC_curve_nist2nid(internal::CurveName(curve).data())));
  internal::BnCtxPtr bn_ctx(BN_CTX_new());
  if (!group || !bn_ctx) return OpensslError(Code::kInternal, "EC group setup");
  if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(group.get())) >= 0) {
    return InvalidArgument("EC private scalar out of range");
  }
  internal::EcPointPtr point(EC_POINT_new(group.get()));
  if (!point || EC_POINT_mul(group.get(), point.get(), d, nullptr, nullptr, bn_ctx.get()) != 1) {
    return OpensslError(Code::kInternal, "EC_POINT_mul");
  }
  Bytes out(1 + 2 * internal::CoordinateSize(curve));
  if (EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                         out.size(), bn_ctx.get()) != out.size()) {
    return OpensslError(Code::kInternal, "EC_POINT_point2oct");
  }
  return out;
}

}  // namespace

Result<PrivateKey> PrivateKey::FromEcScalar(KeyType curve, ByteSpan d) {
  if (!internal::IsEc(curve)) return InvalidArgument("FromEcScalar needs an EC curve");
  if (d.size() != internal::CoordinateSize(curve)) {
    return InvalidArgument("EC private scalar has the wrong size for " +
                           std::string(KeyTypeName(curve)));
  }
  ASSIGN_OR_RETURN(internal::SecretBnPtr bn_d, internal::SecretBnFromBytes(d));
  ASSIGN_OR_RETURN(Bytes pub, EcPublicFromScalar(curve, bn_d.get()));
  std::string group(internal::CurveName(curve));
  internal::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(),
                                        pub.size()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, bn_d.get())) {
    return OpensslError(Code::kInternal, "building EC parameters");
  }
  ASSIGN_OR_RETURN(internal::PkeyPtr pkey,
                   internal::PkeyFromParams("EC", EVP_PKEY_KEYPAIR, bld.get()));
  return internal::WrapPrivate(std::move(pkey));
}

namespace {

Status PushSecretBn(OSSL_PARAM_BLD* bld, const char* name, ByteSpan value,
                    std::vector<internal::SecretBnPtr>& keep) {
  ASSIGN_OR_RETURN(internal::SecretBnPtr bn, internal::SecretBnFromBytes(value));
  if (!OSSL_PARAM_BLD_push_BN(bld, name, bn.get())) {
    return OpensslError(Code::kInternal, "building RSA parameters");
  }
  keep.push_back(std::move(bn));  // the builder references the BIGNUM until to_param
  return Ok();
}

Status CheckRsaPair(EVP_PKEY* pkey) {
  internal::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) return OpensslError(Code::kInternal, "EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    return OpensslError(Code::kInvalidArgument, "inconsistent RSA private key components");
  }
  return Ok();
}

}  // namespace

Result<PrivateKey> PrivateKey::FromRsa(const RsaPrivateParts& parts) {
  if (parts.n.empty() || parts.e.empty() || parts.d.empty()) {
    return InvalidArgument("RSA private key needs n, e and d");
  }
  const ByteSpan crt[] = {parts.p, parts.q, parts.dp, parts.dq, parts.qi};
  const char* crt_names[] = {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
                             OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
                             OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  size_t present = 0;
  for (ByteSpan c : crt) present += c.empty() ? 0 : 1;
  if (present != 0 && present != 5) return InvalidArgument("RSA CRT members must be all or none");

  internal::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) return OpensslError(Code::kInternal, "OSSL_PARAM_BLD_new");
  std::vector<internal::SecretBnPtr> keep;
  TRY(PushSecretBn(bld.get(), OSSL_PKEY_PARAM_RSA_N, parts.n, keep));
  TRY(PushSecretBn(bld.get(), OSSL_PKEY_PARAM_RSA_E, parts.e, keep));
  TRY(PushSecretBn(bld.get(), OSSL_PKEY_PARAM_RSA_D, parts.d, keep));
  for (size_t i = 0; i < present; ++i) TRY(PushSecretBn(bld.get(), crt_names[i], crt[i], keep));
  ASSIGN_OR_RETURN(internal::PkeyPtr pkey,
                   internal::PkeyFromParams("RSA", EVP_PKEY_KEYPAIR, bld.get()));
  if (present == 5) TRY(CheckRsaPair(pkey.get()));
  return internal::WrapPrivate(std::move(pkey));
}

Result<PrivateKey> PrivateKey::FromEd25519(ByteSpan seed32) {
  if (seed32.size() != 32) return InvalidArgument("Ed25519 private key must be 32 bytes");
  internal::PkeyPtr pkey(
      EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, seed32.data(), seed32.size()));
  if (!pkey) return OpensslError(Code::kInvalidArgument, "invalid Ed25519 private key");
  return internal::WrapPrivate(std::move(pkey));
}

KeyType PrivateKey::type() const { return pkey_->type; }

PublicKey PrivateKey::public_key() const {
  // Handles built outside WrapPrivate have no public half; the key itself then serves.
  return PublicKey(pkey_->public_half ? pkey_->public_half : pkey_);
}

Result<SecretBytes> PrivateKey::ToPem() const {
  ASSIGN_OR_RETURN(internal::BioPtr bio, internal::WriteBio(/*secure=*/true));
  if (PEM_write_bio_PrivateKey(bio.get(), pkey_->pkey, nullptr, nullptr, 0, nullptr, nullptr) !=
      1) {
    return OpensslError(Code::kInternal, "PEM_write_bio_PrivateKey");
  }
  return SecretBytes(internal::BioContents(bio.get()));
}

}  // namespace cocoon::crypto
