// Docker references for signatures and policy.json: image/reference.h's parser without the
// "latest" default.
#include "image/signature/internal/docker_ref.h"

#include "image/reference.h"

namespace cocoon::image::internal {

std::string DockerRef::Path() const {
  size_t slash = name.find('/');
  return slash == std::string::npos ? "" : name.substr(slash + 1);
}

std::string DockerRef::String() const {
  std::string s = name;
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

Result<DockerRef> ParseDockerRef(std::string_view text) {
  ASSIGN_OR_RETURN(Reference ref, ParseNamedReference(text));
  DockerRef out;
  out.name = ref.Repository();
  out.tag = ref.tag;
  if (ref.digest) out.digest = ref.digest->String();
  return out;
}

}  // namespace cocoon::image::internal
