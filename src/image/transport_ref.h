// Image transport references in skopeo's notation: "docker://REF" (a registry) and
// "oci:DIR[:TAG]" (an OCI image layout). The one parser of these strings: every command, the
// guest's pull and the transports themselves go through it. The text comes from users and from
// the host (kata's image field): it is parsed, never trusted to be well-formed.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "image/reference.h"

namespace cocoon::image {

inline constexpr std::string_view kDockerTransportPrefix = "docker://";
inline constexpr std::string_view kOciTransportPrefix = "oci:";

// dir + tag from "DIR[:TAG]" (split at the first ':', as containers/image does on Linux).
struct OciLayoutRef {
  std::string dir;
  std::string tag;  // empty: the only manifest in index.json
};
OciLayoutRef ParseOciLayoutRef(std::string_view text);

enum class Transport { kDocker, kOci };

struct TransportRef {
  Transport transport = Transport::kDocker;
  // What follows the prefix, as written: a docker reference ("busybox",
  // "quay.io/org/app:v1"), not yet normalised; or DIR[:TAG].
  std::string name;

  static TransportRef Docker(std::string_view reference);
  static TransportRef Oci(const OciLayoutRef& layout);

  bool is_docker() const { return transport == Transport::kDocker; }
  // "docker://NAME" or "oci:NAME".
  std::string String() const;
  // The parsed, normalised registry reference of a docker:// ref (ParseReference); InvalidArgument
  // for another transport or a malformed reference.
  Result<Reference> DockerReference() const;
  // DIR and TAG of an oci: ref (meaningless for docker://).
  OciLayoutRef Layout() const { return ParseOciLayoutRef(name); }
};

// "docker://REF" or "oci:DIR[:TAG]". InvalidArgument "image 'X': unknown transport (want
// docker://REF or oci:DIR[:TAG])" for anything else. The reference behind docker:// is checked
// when it is used (DockerReference, OpenImageSource).
Result<TransportRef> ParseTransportRef(std::string_view text);

// As ParseTransportRef, but text without either prefix is a docker reference: "busybox" is
// docker://busybox (kata's CreateContainer image, `cocoon run IMAGE`).
TransportRef ParseImageRef(std::string_view text);

}  // namespace cocoon::image
