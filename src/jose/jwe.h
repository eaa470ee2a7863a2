// JWE (RFC 7516) with A256GCM content encryption and key management RSA-OAEP, RSA-OAEP-256,
// RSA1_5, ECDH-ES+A256KW (P-256/P-384/P-521). Flattened JSON (KBS resources) and compact.
//
// The protected header is serialised exactly as Trustee does: {"alg":…,"enc":"A256GCM"[,"epk":
// {"crv","kty","x","y"}]} compact, alg first, enc second — the guest re-serialises it for the AAD.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"
#include "crypto/keys.h"
#include "crypto/secret_bytes.h"

namespace cocoon::jose {

enum class KeyAlg { kRsaOaep, kRsaOaep256, kRsa1_5, kEcdhEsA256kw };
Result<KeyAlg> ParseKeyAlg(std::string_view name);
std::string_view KeyAlgName(KeyAlg alg);

// Deterministic inputs for test vectors; production callers leave them empty (CSPRNG).
struct JweTestInputs {
  std::optional<Bytes> cek;
  std::optional<Bytes> iv;
  std::optional<crypto::PrivateKey> ephemeral;
};

// Returns the flattened JSON object {"protected","encrypted_key","iv","ciphertext","tag"}
// (members in that order). InvalidArgument if `alg` does not fit the key type.
Result<OrderedJson> EncryptFlattened(const crypto::PublicKey& recipient, KeyAlg alg,
                                     ByteSpan plaintext, const JweTestInputs& test = {});
// Compact: BASE64URL(header).encrypted_key.iv.ciphertext.tag
Result<std::string> EncryptCompact(const crypto::PublicKey& recipient, KeyAlg alg,
                                   ByteSpan plaintext, const JweTestInputs& test = {});

// Decrypts a flattened JWE object (an optional "aad" member is honoured per RFC 7516 §5.2;
// "unprotected"/"header" members are merged with the protected header, names must be disjoint;
// apu/apv are used in the ECDH-ES KDF). "protected" is required; "crit" and "zip" are refused.
// Unauthenticated on tag/unwrap failure (RSA1_5 padding failures included, RFC 7516 §11.5),
// InvalidArgument on malformed input, unsupported alg/enc, or alg/key mismatch.
Result<crypto::SecretBytes> DecryptFlattened(const Json& jwe, const crypto::PrivateKey& key);
Result<crypto::SecretBytes> DecryptCompact(std::string_view jwe, const crypto::PrivateKey& key);

}  // namespace cocoon::jose
