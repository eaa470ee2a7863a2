// Grammar (distribution/reference/reference.go):
//   reference      := name [ ":" tag ] [ "@" digest ]
//   name           := [domain '/'] path-component ['/' path-component]*
//   domain         := domain-component ['.' domain-component]* [':' port-number]
//   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//   path-component := alpha-numeric [separator alpha-numeric]*
//   alpha-numeric  := /[a-z0-9]+/     separator := /[_.]|__|[-]*/
//   tag            := /[\w][\w.-]{0,127}/
#include "image/reference.h"

namespace cocoon::image {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsWord(char c) { return IsAlnum(c) || c == '_'; }

std::unexpected<Error> Bad(std::string_view text, std::string_view why) {
  return InvalidArgument("image reference '" + std::string(text) + "': " + std::string(why));
}

bool ValidPathComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  size_t i = 0;
  while (i < c.size()) {
    if (IsLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < c.size() && !IsLowerAlnum(c[i])) ++i;
    std::string_view sep = c.substr(start, i - start);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
  }
  return true;
}

bool ValidDomain(std::string_view d) {
  size_t colon = d.rfind(':');
  std::string_view host = d;
  if (colon != std::string_view::npos) {
    std::string_view port = d.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
    }
    host = d.substr(0, colon);
  }
  if (host.empty()) return false;
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    std::string_view comp = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (comp.empty() || !IsAlnum(comp.front()) || !IsAlnum(comp.back())) return false;
    for (char c : comp) {
      if (!IsAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

bool ValidTag(std::string_view t) {
  if (t.empty() || t.size() > 128 || !IsWord(t.front())) return false;
  for (char c : t) {
    if (!IsWord(c) && c != '.' && c != '-') return false;
  }
  return true;
}

// Splits "domain/rest" the way ParseNormalizedNamed does: the first component is a domain only
// if it contains '.' or ':' or is "localhost", or has upper-case letters (then the path check
// rejects it anyway).
void SplitDomain(std::string_view name, std::string* domain, std::string* path) {
  size_t slash = name.find('/');
  std::string_view first = name.substr(0, slash);
  bool is_domain = slash != std::string_view::npos &&
                   (first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
                    first.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos);
  if (!is_domain) {
    *domain = kDockerHubDomain;
    *path = name;
  } else {
    *domain = first;
    *path = name.substr(slash + 1);
  }
  if (*domain == "index.docker.io") *domain = kDockerHubDomain;
  if (*domain == kDockerHubDomain && path->find('/') == std::string::npos) {
    *path = "library/" + *path;
  }
}

}  // namespace

std::string Reference::Repository() const { return domain + "/" + path; }

std::string Reference::String() const {
  std::string s = Repository();
  if (!tag.empty()) s += ":" + tag;
  if (digest) s += "@" + digest->String();
  return s;
}

std::string Reference::ApiHost() const {
  return domain == kDockerHubDomain ? std::string(kDockerHubApiHost) : domain;
}

std::string Reference::ManifestRef() const { return digest ? digest->String() : tag; }

Result<Reference> ParseReference(std::string_view text) {
  ASSIGN_OR_RETURN(Reference ref, ParseNamedReference(text));
  if (ref.tag.empty() && !ref.digest) ref.tag = "latest";
  return ref;
}

Result<Reference> ParseNamedReference(std::string_view text) {
  if (text.empty()) return Bad(text, "empty");
  Reference ref;
  std::string_view rest = text;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    auto d = Digest::Parse(rest.substr(at + 1));
    if (!d) return Bad(text, "invalid digest: " + d.error().message());
    ref.digest = *d;
    rest = rest.substr(0, at);
  }
  // A tag follows the last ':' unless that ':' is part of the domain (a '/' comes after it).
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find('/', colon) == std::string_view::npos) {
    std::string_view tag = rest.substr(colon + 1);
    if (!ValidTag(tag)) return Bad(text, "invalid tag '" + std::string(tag) + "'");
    ref.tag = tag;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return Bad(text, "no repository name");
  if (rest.size() > kReferenceNameMaxBytes) {
    return Bad(text, "repository name longer than " + std::to_string(kReferenceNameMaxBytes));
  }
  if (rest.size() == 64 && rest.find_first_not_of("0123456789abcdef") == std::string_view::npos) {
    return Bad(text, "a 64-hex-digit name is ambiguous with an image id");
  }
  SplitDomain(rest, &ref.domain, &ref.path);
  if (!ValidDomain(ref.domain)) return Bad(text, "invalid registry domain '" + ref.domain + "'");
  std::string_view path = ref.path;
  while (true) {
    size_t slash = path.find('/');
    std::string_view comp = path.substr(0, slash);
    if (!ValidPathComponent(comp)) {
      bool upper = comp.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos;
      return Bad(text, upper ? "repository name must be lowercase"
                             : "invalid path component '" + std::string(comp) + "'");
    }
    if (slash == std::string_view::npos) break;
    path = path.substr(slash + 1);
  }
  if (ref.Repository().size() > kReferenceNameMaxBytes) {
    return Bad(text, "repository name longer than " + std::to_string(kReferenceNameMaxBytes));
  }
  return ref;
}

}  // namespace cocoon::image
