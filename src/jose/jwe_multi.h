// JWE JSON serialisation with several recipients, shaped exactly as go-jose v2 (skopeo/ocicrypt)
// writes it; decryption of the flattened or general form tries every recipient. Untrusted input.
#pragma once

#include <span>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"
#include "crypto/keys.h"
#include "crypto/secret_bytes.h"

namespace cocoon::jose {

// Encrypts `plaintext` (A256GCM) to every key: RSA keys get RSA-OAEP (SHA-1), EC keys
// ECDH-ES+A256KW. One recipient: flattened {"protected":{alg,enc,epk?},"encrypted_key","iv",
// "ciphertext","tag"}. Several: {"protected":{enc},"recipients":[{"header":{alg,epk?},
// "encrypted_key"}…],"encrypted_key":<first>,"iv","ciphertext","tag"} (go-jose's stray
// top-level encrypted_key included). InvalidArgument for no recipients or an Ed25519 key.
Result<OrderedJson> EncryptMultiRecipient(std::span<const crypto::PublicKey> recipients,
                                          ByteSpan plaintext);

// Decrypts a flattened or general JWE with `key`, trying each recipient whose alg fits the key
// type. InvalidArgument if malformed or no recipient is for this key type; Unauthenticated if
// recipients of the right type exist but none unwraps and authenticates with this key.
Result<crypto::SecretBytes> DecryptAnyRecipient(const Json& jwe, const crypto::PrivateKey& key);

}  // namespace cocoon::jose
