// A child process that cannot outlive its owner: SIGKILL on the owner's death
// (PR_SET_PDEATHSIG), its own process group (stopping it kills what it spawned), reaped here.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "base/error.h"

namespace cocoon::runtime::internal {

// pidfd_open(2) (glibc 2.36's <sys/pidfd.h> lacks extern "C"): -1 with errno on failure.
int PidfdOpen(pid_t pid);

class OwnedProcess {
 public:
  // Starts argv[0] (an absolute path) with stdin from /dev/null and stdout+stderr appended to
  // `log_path`. PR_SET_PDEATHSIG fires when the *thread* that called Spawn exits, so call it
  // from a thread that lives as long as the process should. `keep_fd` (>= 3, or -1) stays open
  // in the child under the same number (QEMU's `-netdev tap,fd=`); every other fd above 2 is
  // closed. Internal if fork/exec fails (the exec errno is reported).
  static Result<OwnedProcess> Spawn(const std::vector<std::string>& argv,
                                    const std::string& log_path, int keep_fd = -1);
  OwnedProcess(OwnedProcess&& other) noexcept;
  OwnedProcess& operator=(OwnedProcess&&) = delete;
  OwnedProcess(const OwnedProcess&) = delete;
  ~OwnedProcess();  // kills the group (SIGKILL) and reaps

  pid_t pid() const { return pid_; }
  bool exited() const { return exited_; }
  int exit_status() const { return status_; }  // exit code or 128+signal, once exited()

  // Waits up to `timeout` for the process to exit; returns its exit status. On exit the rest
  // of its process group is killed. DeadlineExceeded if still running.
  Result<int> Wait(std::chrono::milliseconds timeout);
  // Sends `sig` to the process (not its group). No-op once exited.
  void Signal(int sig);
  // SIGKILL to the whole group, then reap.
  int Kill();

 private:
  OwnedProcess(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}
  void Reap();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  // Wait and Stop may run on two threads (a pod's watcher and its teardown): one reaps.
  std::mutex reap_mu_;
  std::atomic<bool> exited_{false};
  int status_ = -1;
};

}  // namespace cocoon::runtime::internal
