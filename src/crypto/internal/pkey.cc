// Classification, validation and wrapping of EVP_PKEYs into PublicKey/PrivateKey.
#include "crypto/internal/pkey.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

namespace cocoon::crypto::internal {

std::string_view CurveName(KeyType curve) { return IsEc(curve) ? KeyTypeName(curve) : ""; }

size_t CoordinateSize(KeyType curve) {
  switch (curve) {
    case KeyType::kEcP256:
      return 32;
    case KeyType::kEcP384:
      return 48;
    case KeyType::kEcP521:
      return 66;
    default:
      return 0;
  }
}

namespace {

Status CheckRsa(EVP_PKEY* pkey) {
  int bits = EVP_PKEY_get_bits(pkey);
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return InvalidArgument("RSA key size " + std::to_string(bits) + " bits is outside [" +
                           std::to_string(kMinRsaBits) + ", " + std::to_string(kMaxRsaBits) + "]");
  }
  BIGNUM* e = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
    return OpensslError(Code::kInvalidArgument, "RSA key has no public exponent");
  }
  BnPtr e_owner(e);
  if (!BN_is_odd(e) || BN_is_one(e)) return InvalidArgument("RSA public exponent is invalid");
  return Ok();
}

Result<KeyType> ClassifyEc(EVP_PKEY* pkey) {
  char name[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &len) != 1) {
    return OpensslError(Code::kInvalidArgument, "EC key without a named curve");
  }
  KeyType type;
  int nid = OBJ_sn2nid(name);
  if (nid == NID_undef) nid = EC_curve_nist2nid(name);
  switch (nid) {
    case NID_X9_62_prime256v1:
      type = KeyType::kEcP256;
      break;
    case NID_secp384r1:
      type = KeyType::kEcP384;
      break;
    case NID_secp521r1:
      type = KeyType::kEcP521;
      break;
    default:
      return InvalidArgument("unsupported EC curve " + std::string(name));
  }
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) return OpensslError(Code::kInternal, "EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_public_check_quick(ctx.get()) !=
      1) {  // on-curve; prime-order curves need no n*Q check
    return OpensslError(Code::kInvalidArgument, "EC public key is not a valid curve point");
  }
  return type;
}

}  // namespace

Result<KeyType> ClassifyKey(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
      TRY(CheckRsa(pkey));
      return KeyType::kRsa;
    case EVP_PKEY_EC:
      return ClassifyEc(pkey);
    case EVP_PKEY_ED25519:
      return KeyType::kEd25519;
    default:
      return InvalidArgument("unsupported key type");
  }
}

Result<PublicKey> WrapPublic(PkeyPtr pkey) {
  ASSIGN_OR_RETURN(KeyType type, ClassifyKey(pkey.get()));
  auto handle = std::make_shared<PkeyHandle>(pkey.get(), type);
  pkey.release();
  return PublicKey(std::move(handle));
}

namespace {

// A public-only copy of `pkey` via its public parameters (much cheaper than a DER round trip,
// which goes through OpenSSL 3's decoder framework).
Result<PkeyPtr> PublicCopy(EVP_PKEY* pkey) {
  OSSL_PARAM* raw_params = nullptr;
  if (EVP_PKEY_todata(pkey, EVP_PKEY_PUBLIC_KEY, &raw_params) != 1) {
    return OpensslError(Code::kInternal, "EVP_PKEY_todata");
  }
  ParamPtr params(raw_params);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return OpensslError(Code::kInternal, "EVP_PKEY_fromdata_init");
  }
  EVP_PKEY* pub = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pub, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return OpensslError(Code::kInternal, "EVP_PKEY_fromdata (public half)");
  }
  return PkeyPtr(pub);
}

Result<PrivateKey> WrapWithType(PkeyPtr pkey, KeyType type) {
  ASSIGN_OR_RETURN(PkeyPtr pub, PublicCopy(pkey.get()));
  auto handle = std::make_shared<PkeyHandle>(pkey.get(), type);
  pkey.release();
  handle->public_half = std::make_shared<PkeyHandle>(pub.release(), type);
  return PrivateKey(std::move(handle));
}

}  // namespace

Result<PrivateKey> WrapPrivate(PkeyPtr pkey) {
  ASSIGN_OR_RETURN(KeyType type, ClassifyKey(pkey.get()));
  return WrapWithType(std::move(pkey), type);
}

Result<PrivateKey> WrapGenerated(PkeyPtr pkey, KeyType type) {
  return WrapWithType(std::move(pkey), type);
}

Result<PkeyPtr> PkeyFromParams(const char* type, int selection, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return OpensslError(Code::kInternal, "OSSL_PARAM_BLD_to_param");
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return OpensslError(Code::kInternal, "EVP_PKEY_fromdata_init");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return OpensslError(Code::kInvalidArgument, std::string("invalid ") + type + " key components");
  }
  return PkeyPtr(raw);
}

}  // namespace cocoon::crypto::internal
