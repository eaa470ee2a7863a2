// Private to src/crypto: the EVP_PKEY owner behind PublicKey/PrivateKey, and the checks every
// key passes before it is wrapped (supported type, sane RSA size, valid EC point).
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string_view>

#include "base/error.h"
#include "crypto/internal/openssl_util.h"
#include "crypto/keys.h"

namespace cocoon::crypto::internal {

struct PkeyHandle {
  PkeyHandle(EVP_PKEY* p, KeyType t) : pkey(p), type(t) {}
  ~PkeyHandle() { EVP_PKEY_free(pkey); }
  PkeyHandle(const PkeyHandle&) = delete;
  PkeyHandle& operator=(const PkeyHandle&) = delete;

  EVP_PKEY* pkey;
  KeyType type;
  // For private keys: a public-only copy, so PublicKey never carries private material.
  std::shared_ptr<PkeyHandle> public_half;
};

// RSA keys outside this range are rejected everywhere (RFC 7518 §3.3 requires >= 2048).
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 16384;

inline bool IsEc(KeyType t) {
  return t == KeyType::kEcP256 || t == KeyType::kEcP384 || t == KeyType::kEcP521;
}
// OpenSSL group name ("P-256") and coordinate size in bytes for an EC key type.
std::string_view CurveName(KeyType curve);
size_t CoordinateSize(KeyType curve);

// Classifies `pkey` and checks it (InvalidArgument for unsupported types, RSA sizes outside
// [kMinRsaBits, kMaxRsaBits], or an EC public point that fails validation).
Result<KeyType> ClassifyKey(EVP_PKEY* pkey);

// Takes ownership of a public (or private, read as public) key after ClassifyKey.
Result<PublicKey> WrapPublic(PkeyPtr pkey);
// Takes ownership of a private key and derives its public half.
Result<PrivateKey> WrapPrivate(PkeyPtr pkey);
// Same for a key OpenSSL just generated with `type`: no validation round (it is ours).
Result<PrivateKey> WrapGenerated(PkeyPtr pkey, KeyType type);

// EVP_PKEY_fromdata for key type name ("RSA", "EC") with the given selection.
Result<PkeyPtr> PkeyFromParams(const char* type, int selection, OSSL_PARAM_BLD* bld);

}  // namespace cocoon::crypto::internal
