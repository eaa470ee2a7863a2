// Admin API authorization: Bearer JWTs verified against configured identity-provider keys, then
// a role + regex ACL over the request URI. Trusts only the configured key files and ACLs.

#include "kbs/admin_auth.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "crypto/sign.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "jose/jwt.h"

namespace cocoon::kbs {
namespace {

constexpr std::string_view kInsecureAllowAll = "InsecureAllowAll";
constexpr std::string_view kDenyAll = "DenyAll";
constexpr std::string_view kAuthenticated = "AuthenticatedAuthorization";
constexpr std::string_view kLegacyAclPattern = "^/kbs/.+$";

// A plain path or a file:// URL; other schemes are not fetched.
Result<std::string> LocalPath(const std::string& uri) {
  if (uri.starts_with("file://")) return uri.substr(7);
  if (uri.find("://") != std::string::npos) {
    return InvalidArgument("only local paths and file:// URLs are supported, got " + uri);
  }
  return uri;
}

Result<std::string> ReadTextFile(const std::string& uri) {
  ASSIGN_OR_RETURN(std::string path, LocalPath(uri));
  return base::ReadFile(path, "admin identity provider file");
}

Result<crypto::PublicKey> LoadPemKey(const std::string& uri) {
  ASSIGN_OR_RETURN(std::string pem, ReadTextFile(uri));
  auto key = crypto::PublicKey::FromPem(pem);
  if (!key) return std::unexpected(key.error().WithContext("public key " + uri));
  return key;
}

// The "keys" array of a JWKS file.
Result<Json> LoadJwksKeys(const std::string& uri) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(uri));
  auto jwks = base::ParseJson(text);
  if (!jwks) return std::unexpected(jwks.error().WithContext("JWKS " + uri));
  auto keys = base::GetArray(*jwks, "keys");
  if (!keys) return InvalidArgument("JWKS " + uri + " has no \"keys\" array");
  return **keys;
}

// The string member `name` of a JSON object, or "" if absent or not a string.
std::string StringMember(const Json& obj, std::string_view name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The algorithm named by the token header; "none", HS* and unknown names are refused.
Result<crypto::SignAlg> TokenAlg(const Json& header) {
  const std::string name = StringMember(header, "alg");
  auto alg = crypto::ParseSignAlg(name);
  if (!alg) return Unauthenticated("admin token alg \"" + name + "\" is not accepted");
  return *alg;
}

// Whether a provider key may check a token with `alg` and header `kid`: the alg must fit the
// key type (no alg confusion) and the JWKS-pinned alg; kids must match when both exist.
bool KeyFits(const crypto::PublicKey& key, const std::string& key_kid, const std::string& key_alg,
             crypto::SignAlg alg, const std::string& token_kid) {
  if (!crypto::SignAlgMatchesKey(alg, key.type())) return false;
  if (!key_alg.empty() && key_alg != crypto::SignAlgName(alg)) return false;
  return key_kid.empty() || token_kid.empty() || key_kid == token_kid;
}

// Time, issuer and audience checks on a verified payload, then its `role` claim.
Result<std::string> RoleFromPayload(ByteSpan payload, const std::string& issuer,
                                    const std::string& audience, bool legacy, int64_t now) {
  auto claims = base::ParseJson(payload);
  if (!claims || !claims->is_object()) return Unauthenticated("admin token payload is not JSON");
  jose::JwtValidation v;
  v.now = now;
  if (!issuer.empty()) v.issuer = issuer;
  if (!audience.empty()) v.audience = audience;
  auto valid = jose::ValidateJwtClaims(*claims, v);
  if (!valid) return Unauthenticated("admin token rejected: " + valid.error().message());
  auto role = claims->find("role");
  if (role == claims->end() && legacy) return std::string("admin");
  if (role == claims->end() || !role->is_string()) {
    return Unauthenticated("token has no role claim");
  }
  return role->get<std::string>();
}

}  // namespace

Result<AdminAuthorizer::Provider> AdminAuthorizer::LoadProvider(const IdentityProvider& idp) {
  if (idp.public_key_uri.empty() && idp.jwk_set_uri.empty()) {
    return InvalidArgument("identity provider \"" + idp.issuer +
                           "\" has neither public_key_uri nor jwk_set_uri");
  }
  Provider p;
  p.issuer = idp.issuer;
  p.audience = idp.audience;
  if (!idp.public_key_uri.empty()) {
    ASSIGN_OR_RETURN(crypto::PublicKey key, LoadPemKey(idp.public_key_uri));
    p.keys.push_back(Key{std::move(key), "", ""});
  }
  if (idp.jwk_set_uri.empty()) return p;
  ASSIGN_OR_RETURN(Json jwks, LoadJwksKeys(idp.jwk_set_uri));
  for (const Json& jwk : jwks) {
    auto key = jose::PublicKeyFromJwk(jwk);
    if (!key) return std::unexpected(key.error().WithContext("JWKS " + idp.jwk_set_uri));
    p.keys.push_back(Key{std::move(*key), StringMember(jwk, "kid"), StringMember(jwk, "alg")});
  }
  return p;
}

Result<AdminAuthorizer::Provider> AdminAuthorizer::LoadLegacyProvider(const std::string& pem_path) {
  ASSIGN_OR_RETURN(crypto::PublicKey key, LoadPemKey(pem_path));
  Provider p;
  p.legacy = true;
  p.keys.push_back(Key{std::move(key), "", ""});
  return p;
}

Result<AdminAuthorizer::Acl> AdminAuthorizer::CompileAcl(const AclEntry& entry) {
  const std::string& re = entry.allowed_endpoints;
  if (!re.starts_with("^/kbs") || !re.ends_with("$")) {
    return InvalidArgument("ACL regex \"" + re + "\" must start with ^/kbs and end with $");
  }
  auto pattern = base::Regex::Compile(re, base::Regex::Dialect::kEcmaScript);
  if (!pattern) return InvalidArgument("ACL " + pattern.error().message());
  return Acl{entry.role, std::move(*pattern), entry.allowed_methods};
}

Result<std::unique_ptr<AdminAuthorizer>> AdminAuthorizer::Create(const AdminConfig& config) {
  const std::string& mode = config.authorization_mode;
  if (mode != kInsecureAllowAll && mode != kDenyAll && mode != kAuthenticated) {
    return InvalidArgument("unknown admin authorization_mode \"" + mode +
                           "\" (expected InsecureAllowAll, DenyAll or AuthenticatedAuthorization)");
  }
  auto a = std::make_unique<AdminAuthorizer>();
  a->mode_ = mode;
  if (mode != kAuthenticated) return a;
  for (const IdentityProvider& idp : config.identity_providers) {
    ASSIGN_OR_RETURN(Provider p, LoadProvider(idp));
    a->providers_.push_back(std::move(p));
  }
  if (!config.auth_public_key.empty()) {
    ASSIGN_OR_RETURN(Provider p, LoadLegacyProvider(config.auth_public_key));
    a->providers_.push_back(std::move(p));
  }
  if (a->providers_.empty()) {
    return InvalidArgument("AuthenticatedAuthorization needs an identity provider");
  }
  std::vector<AclEntry> acls = config.acls;
  if (acls.empty() && !config.auth_public_key.empty()) {
    acls.push_back(AclEntry{"admin", std::string(kLegacyAclPattern)});
  }
  for (const AclEntry& entry : acls) {
    ASSIGN_OR_RETURN(Acl acl, CompileAcl(entry));
    a->acls_.push_back(std::move(acl));
  }
  return a;
}

Result<std::string> AdminAuthorizer::AuthenticatedRole(std::string_view token, int64_t now) const {
  auto parts = jose::ParseCompact(token);
  if (!parts) return Unauthenticated("admin token is malformed: " + parts.error().message());
  ASSIGN_OR_RETURN(crypto::SignAlg alg, TokenAlg(parts->header));
  const std::string kid = StringMember(parts->header, "kid");
  std::optional<Error> claim_error;
  bool key_fits = false;
  for (const Provider& p : providers_) {
    for (const Key& k : p.keys) {
      if (!KeyFits(k.key, k.kid, k.alg, alg, kid)) continue;
      key_fits = true;
      if (!jose::VerifyCompact(token, k.key, alg)) continue;
      auto role = RoleFromPayload(parts->payload, p.issuer, p.audience, p.legacy, now);
      if (role) return role;
      claim_error = role.error();
      break;  // this provider's key verified the token; its claims decided
    }
  }
  if (claim_error) return std::unexpected(*claim_error);
  if (!key_fits) {
    return Unauthenticated("no identity provider key accepts admin token alg " +
                           std::string(crypto::SignAlgName(alg)));
  }
  return Unauthenticated("admin token signature does not verify with any identity provider key");
}

// ACLs run only for authenticated principals, so a backtracking-heavy operator regex cannot be
// driven by anonymous clients; the URI length cap bounds std::regex's recursion depth (a match
// the engine gives up on is no match).
Status AdminAuthorizer::CheckAcl(const std::string& role, std::string_view method,
                                 std::string_view uri) const {
  if (uri.size() > limits::kAdminUriMaxBytes) {
    return PermissionDenied("admin request URI exceeds " +
                            std::to_string(limits::kAdminUriMaxBytes) + " bytes");
  }
  for (const Acl& acl : acls_) {
    if (acl.role != role) continue;
    if (!acl.methods.empty() &&
        std::find(acl.methods.begin(), acl.methods.end(), method) == acl.methods.end()) {
      continue;
    }
    if (acl.pattern.FullMatch(uri)) return Ok();
  }
  return PermissionDenied("role \"" + role + "\" is not allowed to " + std::string(method) + " " +
                          std::string(uri));
}

Status AdminAuthorizer::Authorize(const net::HttpRequest& request, int64_t now) const {
  if (mode_ == kInsecureAllowAll) return Ok();
  if (mode_ != kAuthenticated) {
    return PermissionDenied("admin API is disabled (authorization_mode = DenyAll)");
  }
  std::optional<std::string> token = request.BearerToken();
  if (!token || token->empty()) return Unauthenticated("admin token not found");
  ASSIGN_OR_RETURN(std::string role, AuthenticatedRole(*token, now));
  std::string uri = request.path;
  if (!request.query.empty()) uri += "?" + request.query;
  return CheckAcl(role, request.method, uri);
}

}  // namespace cocoon::kbs
