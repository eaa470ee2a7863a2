// Builds PKCS#8 PrivateKeyInfo DER for RSA (from JWK CRT components) and Ed25519 (from the raw
// seed), so private JWKs can be loaded through crypto::PrivateKey::FromPem without OpenSSL here.
#pragma once

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/keys.h"
#include "crypto/secret_bytes.h"

namespace cocoon::jose::internal {

struct RsaPrivateComponents {
  ByteSpan n, e, d, p, q, dp, dq, qi;  // big-endian unsigned integers
};

// PKCS#8 DER of an RSAPrivateKey (RFC 8017 A.1.2, version 0).
crypto::SecretBytes RsaPkcs8Der(const RsaPrivateComponents& c);
// PKCS#8 DER of an Ed25519 private key (RFC 8410 §7); `seed` must be 32 bytes.
crypto::SecretBytes Ed25519Pkcs8Der(ByteSpan seed);
// Loads a PKCS#8 DER private key via PEM; intermediate buffers are wiped.
Result<crypto::PrivateKey> PrivateKeyFromPkcs8(const crypto::SecretBytes& der);

}  // namespace cocoon::jose::internal
