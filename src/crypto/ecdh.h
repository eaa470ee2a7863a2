// ECDH key agreement and the NIST SP 800-56A Concat KDF used by JWE ECDH-ES (RFC 7518 §4.6).
#pragma once

#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/keys.h"
#include "crypto/secret_bytes.h"

namespace cocoon::crypto {

// Shared secret Z (the x-coordinate), curve-size bytes. InvalidArgument if curves differ.
Result<SecretBytes> EcdhSharedSecret(const PrivateKey& mine, const PublicKey& peer);

// Concat KDF with SHA-256: otherinfo = len32(alg_id)||alg_id || len32(apu)||apu ||
// len32(apv)||apv || u32be(keydata_bits). Returns keydata_bits/8 bytes.
SecretBytes ConcatKdf(ByteSpan z, std::string_view alg_id, ByteSpan apu, ByteSpan apv,
                      size_t keydata_bits);

}  // namespace cocoon::crypto
