// Runs a program to completion without a shell and captures its output, bounded. The argv is the
// caller's; the output is the program's and is only kept up to a size. One helper for the host
// tools (ldd, dpkg-query, strip, cpio) and the guest's OCI runtime calls.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"

namespace cocoon::base {

struct CommandOutput {
  int exit_code = -1;  // 128+signal when killed
  std::string out;     // stdout (and stderr too when merge_stderr)
  std::string err;
};

struct CommandOptions {
  size_t max_bytes = size_t{16} << 20;  // per stream
  // What happens past max_bytes: the child is killed and ResourceExhausted returned, or the rest
  // is read and dropped (the guest keeps the head of an OCI runtime's complaint).
  bool truncate = false;
  bool merge_stderr = false;  // one stream: stderr goes to `out`
  // Starts the child with stdin /dev/null and the given stdout/stderr; the default is
  // posix_spawnp with an empty signal mask and default dispositions. The guest agent passes its
  // own so the pid is registered with its orphan reaper.
  std::function<Result<pid_t>(const std::vector<std::string>& argv, int out_fd, int err_fd)>
      spawn{};
  // Waits for the child; returns its exit code or 128+signal. Default: waitpid.
  std::function<Result<int>(pid_t)> wait{};
};

// Runs argv[0] (searched in PATH) to completion. Errors: InvalidArgument for an empty argv;
// NotFound when the program is missing; ResourceExhausted past max_bytes (unless truncate);
// Internal on a pipe/spawn/wait failure.
Result<CommandOutput> RunCommand(const std::vector<std::string>& argv,
                                 const CommandOptions& options = {});

// The default spawn of RunCommand, for callers that wrap it.
Result<pid_t> SpawnWithStdio(const std::vector<std::string>& argv, int in_fd, int out_fd,
                             int err_fd);

// Exit code of a wait status: the code, or 128+signal.
int ExitCodeOf(int wait_status);

}  // namespace cocoon::base
