// manifest.json beside the guest image outputs: what went in (package versions, file digests)
// and what came out (sizes, SHA-256/384). Deterministic: no timestamps, no output directory.
#pragma once

#include <string>
#include <vector>

#include "runtime/guest_image.h"

namespace cocoon::runtime::internal {

struct ManifestFile {
  std::string dest;    // path in the guest ("/init") or "vmlinuz"
  std::string source;  // host path it was read from
  std::string sha256;
};

std::string ManifestJson(const GuestImage& image, const std::vector<ManifestFile>& files,
                         uint32_t mtime);

}  // namespace cocoon::runtime::internal
