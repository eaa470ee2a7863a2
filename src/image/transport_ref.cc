// Transport reference parsing (see transport_ref.h).
#include "image/transport_ref.h"

namespace cocoon::image {

OciLayoutRef ParseOciLayoutRef(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return {std::string(text), ""};
  return {std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

TransportRef TransportRef::Docker(std::string_view reference) {
  return {Transport::kDocker, std::string(reference)};
}

TransportRef TransportRef::Oci(const OciLayoutRef& layout) {
  return {Transport::kOci, layout.dir + (layout.tag.empty() ? "" : ":" + layout.tag)};
}

std::string TransportRef::String() const {
  return std::string(is_docker() ? kDockerTransportPrefix : kOciTransportPrefix) + name;
}

Result<Reference> TransportRef::DockerReference() const {
  if (!is_docker()) return InvalidArgument("image '" + String() + "' is not a docker://REF");
  return ParseReference(name);
}

Result<TransportRef> ParseTransportRef(std::string_view text) {
  if (text.starts_with(kDockerTransportPrefix)) {
    return TransportRef{Transport::kDocker,
                        std::string(text.substr(kDockerTransportPrefix.size()))};
  }
  if (text.starts_with(kOciTransportPrefix)) {
    return TransportRef{Transport::kOci, std::string(text.substr(kOciTransportPrefix.size()))};
  }
  return InvalidArgument("image '" + std::string(text) +
                         "': unknown transport (want docker://REF or oci:DIR[:TAG])");
}

TransportRef ParseImageRef(std::string_view text) {
  if (auto ref = ParseTransportRef(text)) return *std::move(ref);
  return TransportRef::Docker(text);
}

}  // namespace cocoon::image
