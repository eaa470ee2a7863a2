// JWT signing and validation: JWS (alg pinned by the caller) plus RFC 7519 §4.1 time, issuer and
// audience checks. Claims are untrusted until VerifyJwt returns them.
#include "jose/jwt.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "jose/jws.h"

namespace cocoon::jose {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// NumericDate (RFC 7519 §2): a JSON number of seconds, possibly fractional; clamped to int64.
Result<int64_t> NumericDate(const Json& claims, const char* name) {
  const Json& v = claims.at(name);
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    return u > static_cast<uint64_t>(kMax) ? kMax : static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    double d = std::floor(v.get<double>());
    if (!std::isfinite(d)) return InvalidArgument(std::string("JWT claim ") + name + " not finite");
    if (d >= 9.2e18) return kMax;
    if (d <= -9.2e18) return kMin;
    return static_cast<int64_t>(d);
  }
  return InvalidArgument(std::string("JWT claim \"") + name + "\" must be a number");
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  if (b > 0 && a > kMax - b) return kMax;
  if (b < 0 && a < kMin - b) return kMin;
  return a + b;
}

Status CheckAudience(const Json& claims, const std::string& expected) {
  auto it = claims.find("aud");
  if (it != claims.end()) {
    if (it->is_string() && it->get<std::string>() == expected) return Ok();
    if (it->is_array()) {
      for (const Json& a : *it) {
        if (a.is_string() && a.get<std::string>() == expected) return Ok();
      }
    }
  }
  return Unauthenticated("JWT audience does not include the expected value");
}

}  // namespace

Status ValidateJwtClaims(const Json& claims, const JwtValidation& v) {
  if (!claims.is_object()) return InvalidArgument("JWT claims must be a JSON object");
  const int64_t now = v.now.value_or(std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
  const int64_t leeway = v.leeway_seconds < 0 ? 0 : v.leeway_seconds;
  if (claims.contains("exp")) {
    ASSIGN_OR_RETURN(int64_t exp, NumericDate(claims, "exp"));
    // RFC 7519 §4.1.4: reject on or after exp (plus the allowed skew).
    if (now >= SaturatingAdd(exp, leeway)) return Unauthenticated("JWT has expired");
  } else if (v.require_exp) {
    return Unauthenticated("JWT has no \"exp\" claim");
  }
  if (v.check_nbf && claims.contains("nbf")) {
    ASSIGN_OR_RETURN(int64_t nbf, NumericDate(claims, "nbf"));
    if (SaturatingAdd(now, leeway) < nbf) return Unauthenticated("JWT is not yet valid (nbf)");
  }
  if (v.issuer) {
    auto it = claims.find("iss");
    if (it == claims.end() || !it->is_string() || it->get<std::string>() != *v.issuer) {
      return Unauthenticated("JWT issuer is not the expected one");
    }
  }
  if (v.audience) TRY(CheckAudience(claims, *v.audience));
  return Ok();
}

Result<std::string> SignJwt(const crypto::PrivateKey& key, crypto::SignAlg alg, const Json& claims,
                            const OrderedJson& extra_header) {
  if (!claims.is_object()) return InvalidArgument("JWT claims must be a JSON object");
  if (!extra_header.is_object()) return InvalidArgument("extra JWT header must be an object");
  OrderedJson header = OrderedJson::object();
  header["typ"] = "JWT";
  for (const auto& [name, value] : extra_header.items()) header[name] = value;
  return SignCompact(key, alg, AsBytes(base::DumpJson(claims)), header);
}

Result<Json> VerifyJwt(std::string_view token, const crypto::PublicKey& key, crypto::SignAlg alg,
                       const JwtValidation& v) {
  ASSIGN_OR_RETURN(JwsParts parts, ParseCompact(token));
  return VerifyJwtParts(std::move(parts), key, alg, v);
}

Result<Json> VerifyJwtParts(JwsParts parts, const crypto::PublicKey& key, crypto::SignAlg alg,
                            const JwtValidation& v) {
  ASSIGN_OR_RETURN(parts, VerifyParsed(std::move(parts), key, alg));
  auto claims = base::ParseJson(parts.payload);
  if (!claims) return std::unexpected(claims.error().WithContext("JWT payload"));
  if (!claims->is_object()) return InvalidArgument("JWT payload must be a JSON object");
  TRY(ValidateJwtClaims(*claims, v));
  return std::move(*claims);
}

Result<Json> UnverifiedJwtClaims(std::string_view token) {
  ASSIGN_OR_RETURN(JwsParts parts, ParseCompact(token));
  auto claims = base::ParseJson(parts.payload);
  if (!claims) return std::unexpected(claims.error().WithContext("JWT payload"));
  if (!claims->is_object()) return InvalidArgument("JWT payload must be a JSON object");
  return std::move(*claims);
}

}  // namespace cocoon::jose
