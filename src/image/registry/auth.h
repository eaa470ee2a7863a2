// Registry credentials: containers auth.json / docker config.json lookup and the
// WWW-Authenticate challenge parser. auth.json is trusted configuration; challenges come from the
// registry and are untrusted.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "image/reference.h"

namespace cocoon::image {

struct Credentials {
  std::string username;
  std::string password;
};

// "user:pass" (skopeo --creds); InvalidArgument without a colon or with an empty user.
Result<Credentials> ParseCredentials(std::string_view text);

// The auth files searched when none is given, in containers/image order:
// $REGISTRY_AUTH_FILE alone if set; else ${XDG_RUNTIME_DIR}/containers/auth.json,
// ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json, ~/.docker/config.json.
std::vector<std::string> DefaultAuthFiles();

// Credentials for `ref` from the "auths" map of one auth file's JSON text: the longest key
// matching domain/path, then shorter repository prefixes, then the domain ("https://" and a
// trailing "/v1/" or "/v2/" are ignored in keys, index.docker.io counts as docker.io). nullopt if
// no key matches; InvalidArgument if the matching entry's "auth" is not base64 of user:pass.
Result<std::optional<Credentials>> CredentialsFromAuthJson(std::string_view json_text,
                                                           const Reference& ref);

// Looks `ref` up in `authfile` (which must exist) or, if empty, in the first existing default
// file that has an entry. nullopt when nothing matches (anonymous access).
Result<std::optional<Credentials>> LookupCredentials(const std::string& authfile,
                                                     const Reference& ref);

struct Challenge {
  std::string scheme;                         // lower-case: "bearer", "basic"
  std::map<std::string, std::string> params;  // lower-case keys: realm, service, scope, error
};
// Parses a WWW-Authenticate value (RFC 7235 auth-params, quoted or token values; several
// challenges separated by commas). InvalidArgument on malformed input.
Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view value);

}  // namespace cocoon::image
