// Signatures. ECDSA signatures are in JOSE form (fixed-size r||s), not DER.
#pragma once

#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/keys.h"

namespace cocoon::crypto {

enum class SignAlg {
  kEs256,  // ECDSA P-256 + SHA-256
  kEs384,  // ECDSA P-384 + SHA-384
  kEs512,  // ECDSA P-521 + SHA-512
  kRs256,  // RSASSA-PKCS1-v1_5 + SHA-256
  kRs384,
  kRs512,
  kPs256,  // RSASSA-PSS + SHA-256, MGF1-SHA-256, salt = hash length
  kPs384,
  kPs512,
  kEdDsa,  // Ed25519
};

// JOSE names: "ES256", "RS256", "PS256", "EdDSA", …; InvalidArgument for anything else
// (including "none").
Result<SignAlg> ParseSignAlg(std::string_view name);
std::string_view SignAlgName(SignAlg alg);
// True if `alg` can be used with a key of type `t` (ES256 only with P-256, etc.).
bool SignAlgMatchesKey(SignAlg alg, KeyType t);

// InvalidArgument if alg does not match the key type.
Result<Bytes> Sign(const PrivateKey& key, SignAlg alg, ByteSpan data);
// Like Sign, but ECDSA signatures come out DER-encoded (X.509 / cosign style).
Result<Bytes> SignDer(const PrivateKey& key, SignAlg alg, ByteSpan data);
// Unauthenticated if the signature does not verify; InvalidArgument if alg/key mismatch.
Status Verify(const PublicKey& key, SignAlg alg, ByteSpan data, ByteSpan signature);

// ECDSA with a DER-encoded signature (X.509 / SNP style), for verifiers. Unauthenticated on
// mismatch.
Status VerifyDer(const PublicKey& key, SignAlg alg, ByteSpan data, ByteSpan der_signature);

}  // namespace cocoon::crypto
