// Docker references as they appear in signatures and policy.json ("busybox",
// "127.0.0.1:5000/coco/app:v1", "quay.io/x/y@sha256:…"), normalised like docker's
// ParseNormalizedNamed. Input is untrusted (signature payloads): parsed strictly.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace cocoon::image::internal {

struct DockerRef {
  std::string name;    // "docker.io/library/busybox", "127.0.0.1:5000/coco/app"
  std::string tag;     // empty if none
  std::string digest;  // "sha256:<hex>", empty if none

  std::string Domain() const { return name.substr(0, name.find('/')); }
  // The repository path without the domain ("library/busybox").
  std::string Path() const;
  bool NameOnly() const { return tag.empty() && digest.empty(); }
  // name[:tag][@digest]
  std::string String() const;
};

// InvalidArgument naming the reference if it is malformed (upper-case repository, empty
// components, bad tag or digest).
Result<DockerRef> ParseDockerRef(std::string_view text);

}  // namespace cocoon::image::internal
