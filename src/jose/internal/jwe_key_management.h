// JWE key management (RFC 7518 §4.2, §4.3, §4.6): wrapping the content-encryption key for a
// recipient and unwrapping it again. Used only by jose/jwe.cc.
#pragma once

#include <optional>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"
#include "crypto/keys.h"
#include "crypto/secret_bytes.h"
#include "jose/jwe.h"

namespace cocoon::jose::internal {

inline constexpr size_t kCekBytes = 32;  // A256GCM

// InvalidArgument unless `alg` can be used with a key of type `t`.
Status CheckKeyFitsAlg(crypto::KeyType t, KeyAlg alg);

struct WrappedCek {
  Bytes encrypted_key;
  std::optional<OrderedJson> epk;  // ECDH-ES only: {"crv","kty","x","y"}
};

// `ephemeral` (ECDH-ES only) must be on the recipient's curve; nullopt = fresh key.
Result<WrappedCek> WrapCek(const crypto::PublicKey& recipient, KeyAlg alg, ByteSpan cek,
                           const std::optional<crypto::PrivateKey>& ephemeral);

// `header` is the merged JOSE header (epk, apu, apv are read from it). Unauthenticated if the key
// cannot be unwrapped; for RSA1_5 a random CEK is returned instead (RFC 7516 §11.5), so the failure
// surfaces as a tag mismatch. InvalidArgument for a malformed or mismatched epk.
Result<crypto::SecretBytes> UnwrapCek(const crypto::PrivateKey& key, KeyAlg alg, const Json& header,
                                      ByteSpan encrypted_key);

}  // namespace cocoon::jose::internal
