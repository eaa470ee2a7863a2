// Reading whole files (keys, certificates, configs, policies) with clear errors.
#pragma once

#include <cstddef>
#include <string>

#include "base/error.h"

namespace cocoon::base {

// The file's bytes. NotFound if absent, InvalidArgument if not a regular file,
// PermissionDenied if unreadable, ResourceExhausted if larger than `max_bytes`.
// Errors name the path (and `what`, e.g. "token signer key", when given).
Result<std::string> ReadFile(const std::string& path, std::string_view what = "file",
                             size_t max_bytes = size_t{64} << 20);

}  // namespace cocoon::base
