// JSON Web Keys (RFC 7517/7518/8037): RSA, EC (P-256/P-384/P-521), OKP (Ed25519).
#pragma once

#include <optional>
#include <string>

#include "base/error.h"
#include "base/json.h"
#include "crypto/keys.h"

namespace cocoon::jose {

// Parses the public part of a JWK object. Private members ("d", "p", …) are ignored.
// InvalidArgument naming the bad member on malformed input.
Result<crypto::PublicKey> PublicKeyFromJwk(const Json& jwk);
// Parses a private JWK (needs "d"); used for test vectors and key files.
Result<crypto::PrivateKey> PrivateKeyFromJwk(const Json& jwk);

// Public JWK with members in the order Trustee's serde emits them, `alg` set when given:
//   EC:  {"kty","crv","alg"?,"x","y"}  RSA: {"kty","alg"?,"n","e"}  OKP: {"kty","crv","alg"?,"x"}
OrderedJson PublicKeyToJwk(const crypto::PublicKey& key, std::optional<std::string> alg = {});

// RFC 7638 thumbprint (SHA-256, base64url).
Result<std::string> Thumbprint(const crypto::PublicKey& key);

}  // namespace cocoon::jose
