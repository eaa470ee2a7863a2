// JWT (RFC 7519) on top of JWS: JSON claims plus time validation with bounded skew.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "base/limits.h"
#include "crypto/keys.h"
#include "crypto/sign.h"
#include "jose/jws.h"

namespace cocoon::jose {

struct JwtValidation {
  bool require_exp = true;
  bool check_nbf = true;
  int64_t leeway_seconds = limits::kJwtClockSkewSeconds;
  std::optional<int64_t> now;           // unix seconds; nullopt = system clock
  std::optional<std::string> issuer;    // if set, `iss` must equal it
  std::optional<std::string> audience;  // if set, `aud` (string or array) must contain it
};

// Signs `claims` (serialised compactly) as a JWT with header {"alg", "typ":"JWT", extra…}.
Result<std::string> SignJwt(const crypto::PrivateKey& key, crypto::SignAlg alg, const Json& claims,
                            const OrderedJson& extra_header = OrderedJson::object());

// Verifies signature (alg pinned) and time claims; returns the claims.
// Unauthenticated on bad signature, expired (`exp` past), not yet valid, missing exp when
// required, wrong iss/aud. InvalidArgument if the payload is not a JSON object.
Result<Json> VerifyJwt(std::string_view token, const crypto::PublicKey& key, crypto::SignAlg alg,
                       const JwtValidation& v = {});

// Same for a token already split by jose::ParseCompact.
Result<Json> VerifyJwtParts(JwsParts parts, const crypto::PublicKey& key, crypto::SignAlg alg,
                            const JwtValidation& v = {});

// The claims of a JWT read WITHOUT checking its signature: only for a token the caller holds for
// someone else and inspects for its own bookkeeping (the guest reads its attestation token's
// `exp` to know when to attest again; the KBS verifies the token). Never a basis for trust.
// InvalidArgument on a malformed token or a payload that is not a JSON object.
Result<Json> UnverifiedJwtClaims(std::string_view token);

// Time checks alone (for callers that verified the signature themselves).
Status ValidateJwtClaims(const Json& claims, const JwtValidation& v);

}  // namespace cocoon::jose
