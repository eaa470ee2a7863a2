// Test harness for integration tests: temp dirs, free ports, child processes stopped by pid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "testutil/temp_dir.h"

namespace cocoon::harness {

using TempDir = testutil::TempDir;

// A currently free TCP port on 127.0.0.1 (bound to port 0, then released).
int FreePort();

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs argv to completion (no shell) with `input` on stdin.
CommandResult Run(const std::vector<std::string>& argv, const std::string& input = "");

// A child process whose stdout is watched for a line; stopped by pid.
class Process {
 public:
  explicit Process(std::vector<std::string> argv);
  ~Process();  // SIGTERM, then SIGKILL after 5 s
  // Waits until a stdout line contains `needle`; false on exit or timeout.
  bool WaitForLine(const std::string& needle, std::chrono::milliseconds timeout,
                   std::string* line = nullptr);
  int Terminate();  // SIGTERM and wait; returns exit status (or 128+signal)
  void Kill9();     // SIGKILL and reap
  pid_t pid() const { return pid_; }
  const std::string& stderr_path() const { return err_path_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  std::string err_path_;
};

std::string BinaryPath(const std::string& name);  // <build>/cmd/<name>
std::string ReadFile(const std::string& path);

}  // namespace cocoon::harness
