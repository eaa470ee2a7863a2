// Verification of attestation tokens presented to the KBS (docs/config.md, [attestation_token]):
// header jwk endorsed by an x5c chain to a trusted cert, or a kid in a trusted JWKS, or — only
// with insecure_header_jwk — the header jwk itself. Tokens from cocoon's own built-in AS are
// trusted by key, so a local KBS needs no insecure setting.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

namespace cocoon::attestation {

struct TokenVerifierOptions {
  std::vector<crypto::Certificate> trusted_certs;
  Json trusted_jwks = Json::array();            // array of JWK objects (each needs "alg")
  std::vector<crypto::PublicKey> trusted_keys;  // e.g. the built-in AS signer (ES256)
  std::vector<std::string> extra_teekey_paths;  // JSON pointers tried first
  bool insecure_header_jwk = false;
};

class TokenVerifier {
 public:
  explicit TokenVerifier(TokenVerifierOptions options) : options_(std::move(options)) {}

  // Returns the verified claims. Unauthenticated (with the reason) if the signature, the
  // endorsement or `exp` fails; InvalidArgument if the token is malformed.
  Result<Json> Verify(std::string_view token, int64_t now) const;

  // The TEE public key (JWK) bound in verified claims, from the first pointer that exists
  // (extra paths, ITA paths, legacy CoCo path, EAR path, "/tee-pubkey").
  // NotFound if no pointer matches.
  Result<Json> TeePublicKey(const Json& claims) const;

 private:
  Result<crypto::PublicKey> KeyFor(const Json& header, std::string* alg) const;
  TokenVerifierOptions options_;
};

// Loads a JWKS file ({"keys":[…]}) into an array of JWKs. NotFound / InvalidArgument.
Result<Json> LoadJwksFile(const std::string& path);

}  // namespace cocoon::attestation
