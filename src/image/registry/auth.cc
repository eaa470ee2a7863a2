// auth.json lookup follows containers/image pkg/docker/config; the challenge grammar is RFC 7235
// §2.1 (auth-scheme 1*SP auth-param *( "," auth-param )).
#include "image/registry/auth.h"

#include <cstdlib>
#include <filesystem>

#include "base/encoding.h"
#include "base/file.h"
#include "base/json.h"

namespace cocoon::image {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string NormalizeKey(std::string_view key) {
  if (key.starts_with("https://")) key.remove_prefix(8);
  if (key.starts_with("http://")) key.remove_prefix(7);
  while (key.ends_with("/")) key.remove_suffix(1);
  if (key.ends_with("/v1") || key.ends_with("/v2")) key.remove_suffix(3);
  std::string k(key);
  if (k == "index.docker.io" || k == "registry-1.docker.io") return "docker.io";
  if (k.starts_with("index.docker.io/")) return "docker.io/" + k.substr(16);
  return k;
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~/").find(c) != std::string_view::npos;
}

void SkipSpace(std::string_view s, size_t* i) {
  while (*i < s.size() && (s[*i] == ' ' || s[*i] == '\t')) ++*i;
}

std::string_view Token(std::string_view s, size_t* i) {
  size_t start = *i;
  while (*i < s.size() && IsTokenChar(s[*i])) ++*i;
  return s.substr(start, *i - start);
}

// A quoted-string (with \-escapes) or a token, after '='.
Result<std::string> ParamValue(std::string_view s, size_t* i) {
  if (*i < s.size() && s[*i] == '"') {
    std::string v;
    for (++*i; *i < s.size(); ++*i) {
      if (s[*i] == '"') {
        ++*i;
        return v;
      }
      if (s[*i] == '\\' && *i + 1 < s.size()) ++*i;
      v.push_back(s[*i]);
    }
    return InvalidArgument("WWW-Authenticate: unterminated quoted string");
  }
  std::string_view t = Token(s, i);
  // token68-style values may end in '='.
  while (*i < s.size() && s[*i] == '=') ++*i;
  return std::string(t);
}

}  // namespace

Result<Credentials> ParseCredentials(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return InvalidArgument("credentials must be USERNAME:PASSWORD");
  }
  return Credentials{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

std::vector<std::string> DefaultAuthFiles() {
  if (const char* f = std::getenv("REGISTRY_AUTH_FILE"); f != nullptr && *f != '\0') return {f};
  std::vector<std::string> files;
  if (const char* r = std::getenv("XDG_RUNTIME_DIR"); r != nullptr && *r != '\0') {
    files.push_back(std::string(r) + "/containers/auth.json");
  }
  const char* home = std::getenv("HOME");
  if (const char* c = std::getenv("XDG_CONFIG_HOME"); c != nullptr && *c != '\0') {
    files.push_back(std::string(c) + "/containers/auth.json");
  } else if (home != nullptr && *home != '\0') {
    files.push_back(std::string(home) + "/.config/containers/auth.json");
  }
  if (home != nullptr && *home != '\0') files.push_back(std::string(home) + "/.docker/config.json");
  return files;
}

Result<std::optional<Credentials>> CredentialsFromAuthJson(std::string_view json_text,
                                                           const Reference& ref) {
  ASSIGN_OR_RETURN(Json j, base::ParseJson(json_text));
  if (!j.is_object()) return InvalidArgument("auth file: not a JSON object");
  ASSIGN_OR_RETURN(const Json* auths, base::FindField(j, "auths"));
  if (auths == nullptr || !auths->is_object()) return std::optional<Credentials>();
  std::map<std::string, const Json*> by_key;
  for (const auto& [k, v] : auths->items()) by_key.emplace(NormalizeKey(k), &v);
  std::string candidate = ref.Repository();
  while (true) {
    if (auto it = by_key.find(candidate); it != by_key.end() && it->second->is_object()) {
      ASSIGN_OR_RETURN(std::string auth, base::GetStringOr(*it->second, "auth", ""));
      if (auth.empty()) return std::optional<Credentials>();
      auto raw = base::Base64Decode(auth);
      if (!raw) return InvalidArgument("auth file entry '" + candidate + "': auth is not base64");
      auto creds = ParseCredentials(AsString(*raw));
      if (!creds) return InvalidArgument("auth file entry '" + candidate + "': not user:pass");
      return std::optional<Credentials>(std::move(*creds));
    }
    size_t slash = candidate.rfind('/');
    if (slash == std::string::npos) break;
    candidate.resize(slash);
  }
  return std::optional<Credentials>();
}

Result<std::optional<Credentials>> LookupCredentials(const std::string& authfile,
                                                     const Reference& ref) {
  if (!authfile.empty()) {
    ASSIGN_OR_RETURN(std::string text, base::ReadFile(authfile, "auth file", 1 << 20));
    auto c = CredentialsFromAuthJson(text, ref);
    if (!c) return std::unexpected(c.error().WithContext(authfile));
    return c;
  }
  for (const std::string& f : DefaultAuthFiles()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(f, ec)) continue;
    ASSIGN_OR_RETURN(std::string text, base::ReadFile(f, "auth file", 1 << 20));
    auto c = CredentialsFromAuthJson(text, ref);
    if (!c) return std::unexpected(c.error().WithContext(f));
    if (*c) return c;
  }
  return std::optional<Credentials>();
}

Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view s) {
  std::vector<Challenge> out;
  size_t i = 0;
  while (true) {
    SkipSpace(s, &i);
    while (i < s.size() && s[i] == ',') ++i;
    SkipSpace(s, &i);
    if (i >= s.size()) break;
    // Either a new challenge (scheme followed by space or end) or another param of the last one.
    std::string_view name = Token(s, &i);
    if (name.empty()) return InvalidArgument("WWW-Authenticate: unexpected character");
    SkipSpace(s, &i);
    if (i < s.size() && s[i] == '=' && !out.empty()) {
      ++i;
      SkipSpace(s, &i);
      ASSIGN_OR_RETURN(std::string value, ParamValue(s, &i));
      out.back().params[Lower(name)] = std::move(value);
      continue;
    }
    if (i < s.size() && s[i] == '=')
      return InvalidArgument("WWW-Authenticate: param before scheme");
    out.push_back(Challenge{Lower(name), {}});
  }
  if (out.empty()) return InvalidArgument("WWW-Authenticate: empty");
  return out;
}

}  // namespace cocoon::image
