// Runs a local tool (ldd, dpkg-query) without a shell and captures its output. The argv is ours;
// the output is bounded.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace cocoon::runtime::internal {

struct CommandOutput {
  int exit_code = -1;  // 128+signal when killed
  std::string out;
  std::string err;
};

// Runs argv[0] (searched in PATH) to completion. Errors: NotFound when the program is missing;
// ResourceExhausted when stdout or stderr passes `max_bytes`; Internal on a pipe/spawn failure.
Result<CommandOutput> RunCommand(const std::vector<std::string>& argv,
                                 size_t max_bytes = size_t{16} << 20);

}  // namespace cocoon::runtime::internal
