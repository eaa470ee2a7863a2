// The sample workload `cocoon demo` runs: a one-layer OCI image layout holding the host's static
// busybox (/bin/busybox, /bin/sh) and /hello.sh, which prints a greeting and a few facts about
// where it runs. Built reproducibly (fixed mtimes, owner 0) from trusted host files.
#pragma once

#include <string>

#include "base/error.h"

namespace cocoon::image {

// Writes the layout into `dir` (created) with tag `tag` and returns "oci:<dir>:<tag>". NotFound
// when `busybox` is missing; Internal when `dir` cannot be written.
Result<std::string> BuildSampleImage(const std::string& dir, const std::string& tag,
                                     const std::string& busybox = "/bin/busybox");

// The first line /hello.sh prints.
inline constexpr const char* kSampleGreeting = "Hello from a confidential container!";

}  // namespace cocoon::image
