// Image references ("busybox", "quay.io/org/app:v1", "host:5000/a/b@sha256:…") parsed and
// normalised like distribution/reference's ParseNormalizedNamed. Input comes from users and from
// signatures: parsed strictly, never trusted to be well-formed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "image/digest.h"

namespace cocoon::image {

inline constexpr std::string_view kDockerHubDomain = "docker.io";
inline constexpr std::string_view kDockerHubApiHost = "registry-1.docker.io";
inline constexpr size_t kReferenceNameMaxBytes = 255;  // distribution/reference NameTotalLengthMax

struct Reference {
  std::string domain;  // "docker.io", "quay.io", "127.0.0.1:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty only when a digest pins the image
  std::optional<Digest> digest;

  // "docker.io/library/busybox:latest", "host/a@sha256:…", "host/a:t@sha256:…".
  std::string String() const;
  // "docker.io/library/busybox" (domain + "/" + path).
  std::string Repository() const;
  // Host (and port) that serves the v2 API: registry-1.docker.io for docker.io.
  std::string ApiHost() const;
  // The tag, else the digest string: what goes after /manifests/.
  std::string ManifestRef() const;
};

// Parses and normalises a reference: docker.io for names without a registry domain, "library/"
// for single-component Hub names, "latest" when neither tag nor digest is given. InvalidArgument
// naming the reference and the rule it breaks (upper case, bad tag, bad digest, too long, …).
Result<Reference> ParseReference(std::string_view text);
// The same without the "latest" default: a name-only reference keeps an empty tag (signature
// identities and policy scopes distinguish "repo" from "repo:latest").
Result<Reference> ParseNamedReference(std::string_view text);

}  // namespace cocoon::image
