// Admin API authentication and authorization (Trustee kbs/src/admin, specs §1.9):
// InsecureAllowAll | DenyAll | AuthenticatedAuthorization (Bearer JWT from a configured
// identity provider, `role` claim, anchored regex ACL over the normalised request path (the one
// the router sees, net::NormalizePath) plus "?query", and an optional list of HTTP methods).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/regex.h"
#include "crypto/keys.h"
#include "kbs/config.h"
#include "net/http.h"

namespace cocoon::kbs {

class AdminAuthorizer {
 public:
  // Loads identity-provider keys (PEM public keys: EC P-256/P-384, RSA, Ed25519; or JWKS files)
  // and compiles ACLs. InvalidArgument / NotFound naming the bad file or regex.
  static Result<std::unique_ptr<AdminAuthorizer>> Create(const AdminConfig& config);

  // Ok if the request may use the admin endpoint. Unauthenticated: no/invalid/expired token,
  // wrong key, missing role; PermissionDenied: no ACL allows role+method+path or mode is
  // DenyAll. The path is `request.path` (already normalised by the server, so "%73ecret" and
  // "a/../secret" are matched as the router will route them), plus "?" + query if any.
  Status Authorize(const net::HttpRequest& request, int64_t now) const;

 private:
  struct Key {
    crypto::PublicKey key;
    std::string kid;  // JWKS "kid"; empty for PEM keys (matches any token kid)
    std::string alg;  // JWKS "alg"; if set, the only algorithm accepted for this key
  };
  struct Provider {
    std::string issuer;
    std::string audience;
    std::vector<Key> keys;  // from PEM or JWKS
    bool legacy = false;    // `auth_public_key`: a token without `role` acts as "admin"
  };
  struct Acl {
    std::string role;
    base::Regex pattern;  // matched against the whole URI
    std::vector<std::string> methods;  // empty = any method
  };
  static Result<Provider> LoadProvider(const IdentityProvider& idp);
  static Result<Provider> LoadLegacyProvider(const std::string& pem_path);
  static Result<Acl> CompileAcl(const AclEntry& entry);
  // The `role` of a token verified by some provider key; Unauthenticated otherwise.
  Result<std::string> AuthenticatedRole(std::string_view token, int64_t now) const;
  // Ok if an ACL with this role allows `method` and matches `uri`; PermissionDenied otherwise.
  Status CheckAcl(const std::string& role, std::string_view method, std::string_view uri) const;
  std::string mode_;
  std::vector<Provider> providers_;
  std::vector<Acl> acls_;
};

}  // namespace cocoon::kbs
