// RSA encryption (key transport): OAEP with SHA-1 or SHA-256, and PKCS#1 v1.5 (legacy JWE RSA1_5).
#pragma once

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/keys.h"
#include "crypto/secret_bytes.h"

namespace cocoon::crypto {

enum class RsaPadding { kOaepSha1, kOaepSha256, kPkcs1v15 };

Result<Bytes> RsaEncrypt(const PublicKey& key, RsaPadding padding, ByteSpan plaintext);
// Unauthenticated on padding failure (for PKCS#1 v1.5 callers must apply the JWE countermeasure
// of substituting a random CEK; see jose/jwe.cc).
Result<SecretBytes> RsaDecrypt(const PrivateKey& key, RsaPadding padding, ByteSpan ciphertext);

}  // namespace cocoon::crypto
