// Policy scopes and signedIdentity rules, as containers/image defines them.

#include "image/signature/signed_identity.h"

#include "image/signature/internal/docker_ref.h"

namespace cocoon::image {
namespace {

using internal::DockerRef;
using T = SignedIdentity::Type;

DockerRef Intended(const ImageIdentity& id) {
  DockerRef r{id.repository, id.tag, id.digest};
  if (r.tag.empty() && r.digest.empty()) r.tag = "latest";
  return r;
}

bool MatchExact(const DockerRef& intended, const DockerRef& sig) {
  return !intended.NameOnly() && !sig.NameOnly() && intended.String() == sig.String();
}

bool MatchRepoDigestOrExact(const DockerRef& intended, const DockerRef& sig) {
  if (sig.NameOnly()) return false;
  if (!intended.tag.empty()) return sig.String() == intended.String();
  // By digest: the manifest digest is checked against the signature separately.
  if (!intended.digest.empty()) return sig.name == intended.name;
  return false;
}

bool RefMatchesPrefix(const std::string& name, std::string_view prefix) {
  if (name.size() < prefix.size()) return false;
  if (name.size() == prefix.size()) return name == prefix;
  return name.starts_with(prefix) && name[prefix.size()] == '/';
}

std::string_view RuleName(T t) {
  switch (t) {
    case T::kMatchRepoDigestOrExact:
      return "matchRepoDigestOrExact";
    case T::kMatchExact:
      return "matchExact";
    case T::kMatchRepository:
      return "matchRepository";
    case T::kExactReference:
      return "exactReference";
    case T::kExactRepository:
      return "exactRepository";
    case T::kRemapIdentity:
      return "remapIdentity";
  }
  return "unknown";
}

Result<bool> Matches(const SignedIdentity& rule, const DockerRef& intended, const DockerRef& sig) {
  switch (rule.type) {
    case T::kMatchRepoDigestOrExact:
      return MatchRepoDigestOrExact(intended, sig);
    case T::kMatchExact:
      return MatchExact(intended, sig);
    case T::kMatchRepository:
      return sig.name == intended.name;
    case T::kExactReference: {
      ASSIGN_OR_RETURN(DockerRef want, internal::ParseDockerRef(rule.value));
      if (want.NameOnly()) return InvalidArgument("exactReference needs a tag or digest");
      return MatchExact(want, sig);
    }
    case T::kExactRepository: {
      ASSIGN_OR_RETURN(DockerRef want, internal::ParseDockerRef(rule.value));
      return sig.name == want.name;
    }
    case T::kRemapIdentity: {
      if (!RefMatchesPrefix(intended.name, rule.value))
        return MatchRepoDigestOrExact(intended, sig);
      std::string remapped = rule.signed_prefix + intended.String().substr(rule.value.size());
      ASSIGN_OR_RETURN(DockerRef want, internal::ParseDockerRef(remapped));
      return MatchRepoDigestOrExact(want, sig);
    }
  }
  return false;
}

}  // namespace

std::string ImageIdentity::Reference() const { return Intended(*this).String(); }

Result<ImageIdentity> ImageIdentity::Parse(std::string_view reference) {
  ASSIGN_OR_RETURN(DockerRef r, internal::ParseDockerRef(reference));
  ImageIdentity id;
  id.repository = r.name;
  id.tag = r.tag;
  id.digest = r.digest;
  return id;
}

ImageIdentity ImageIdentity::Of(const TransportRef& ref) {
  if (ref.is_docker()) {
    if (auto parsed = Parse(ref.name)) return *std::move(parsed);
  }
  ImageIdentity id;
  id.transport = ref.is_docker() ? "docker" : "oci";
  id.repository = ref.name;
  return id;
}

std::vector<std::string> PolicyScopes(const ImageIdentity& id) {
  std::vector<std::string> scopes{id.Reference()};
  std::string name = id.repository;
  while (true) {
    scopes.push_back(name);
    size_t slash = name.rfind('/');
    if (slash == std::string::npos) break;
    name.resize(slash);
  }
  name = name.substr(0, name.find(':'));  // policy.json has no port wildcards
  for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.')) {
    name = name.substr(dot + 1);
    scopes.push_back("*." + name);
  }
  return scopes;
}

Status MatchSignedIdentity(const SignedIdentity& rule, const ImageIdentity& id,
                           std::string_view signed_reference) {
  auto sig = internal::ParseDockerRef(signed_reference);
  if (!sig) return InvalidArgument("signed identity: " + sig.error().message());
  ASSIGN_OR_RETURN(bool ok, Matches(rule, Intended(id), *sig));
  if (ok) return Ok();
  return PermissionDenied("signed identity '" + std::string(signed_reference) +
                          "' does not match '" + id.Reference() + "' (" +
                          std::string(RuleName(rule.type)) + ")");
}

}  // namespace cocoon::image
