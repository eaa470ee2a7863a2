// Docker reference normalisation (distribution/reference grammar, simplified but strict).

#include "image/internal/docker_ref.h"

#include "image/digest.h"

namespace cocoon::image::internal {
namespace {

constexpr size_t kRefMaxBytes = 4096;

bool IsPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}
bool IsDomainChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == ':' || c == '[' || c == ']';
}
bool IsTagChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

Status CheckComponents(std::string_view path, std::string_view whole) {
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view comp =
        path.substr(start, slash == std::string_view::npos ? path.npos : slash - start);
    if (comp.empty()) {
      return InvalidArgument("docker reference '" + std::string(whole) +
                             "' has an empty path component");
    }
    for (char c : comp) {
      if (!IsPathChar(c)) {
        return InvalidArgument("docker reference '" + std::string(whole) +
                               "' has an invalid repository character");
      }
    }
    if (slash == std::string_view::npos) return Ok();
    start = slash + 1;
  }
}

}  // namespace

std::string DockerRef::Path() const {
  size_t slash = name.find('/');
  return slash == std::string::npos ? std::string() : name.substr(slash + 1);
}

std::string DockerRef::String() const {
  std::string out = name;
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

Result<DockerRef> ParseDockerRef(std::string_view text) {
  if (text.empty() || text.size() > kRefMaxBytes) {
    return InvalidArgument("docker reference is empty or longer than 4096 bytes");
  }
  DockerRef ref;
  std::string_view rest = text;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    auto d = Digest::Parse(rest.substr(at + 1));
    if (!d) return InvalidArgument("docker reference '" + std::string(text) + "': bad digest");
    ref.digest = d->String();
    rest = rest.substr(0, at);
  }
  size_t last_slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (last_slash == rest.npos || colon > last_slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (ref.tag.empty() || ref.tag.size() > 128 || !IsTagChar(ref.tag[0]) || ref.tag[0] == '.' ||
        ref.tag[0] == '-') {
      return InvalidArgument("docker reference '" + std::string(text) + "': bad tag");
    }
    for (char c : ref.tag) {
      if (!IsTagChar(c)) {
        return InvalidArgument("docker reference '" + std::string(text) + "': bad tag");
      }
    }
  }
  std::string domain = "docker.io";
  std::string_view path = rest;
  size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, slash);
    if (first.find_first_of(".:") != first.npos || first == "localhost") {
      if (first.empty()) return InvalidArgument("docker reference '" + std::string(text) + "'");
      for (char c : first) {
        if (!IsDomainChar(c)) {
          return InvalidArgument("docker reference '" + std::string(text) + "': bad domain");
        }
      }
      domain = std::string(first);
      path = rest.substr(slash + 1);
    }
  }
  if (domain == "index.docker.io") domain = "docker.io";
  TRY(CheckComponents(path, text));
  std::string full_path(path);
  if (domain == "docker.io" && full_path.find('/') == std::string::npos) {
    full_path = "library/" + full_path;
  }
  ref.name = domain + "/" + full_path;
  return ref;
}

}  // namespace cocoon::image::internal
