// Child process spawning and waiting (see child_process.h).
#include "guest/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

namespace cocoon::guest {
namespace {

std::mutex g_mu;          // held across spawn + registration and by the reaper
std::set<pid_t> g_owned;  // pids some thread waits for

}  // namespace

Result<pid_t> SpawnChild(const std::vector<std::string>& argv, const SpawnFds& fds) {
  // Spawn and registration under one lock: the reaper cannot collect the pid in between.
  std::lock_guard lock(g_mu);
  ASSIGN_OR_RETURN(pid_t pid, base::SpawnWithStdio(argv, fds.in, fds.out, fds.err));
  g_owned.insert(pid);
  return pid;
}

void OwnChild(pid_t pid) {
  std::lock_guard lock(g_mu);
  g_owned.insert(pid);
}

Result<int> WaitChild(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  {
    std::lock_guard lock(g_mu);
    g_owned.erase(pid);
  }
  if (r < 0) return Internal("waitpid " + std::to_string(pid) + ": " + std::strerror(errno));
  return base::ExitCodeOf(status);
}

Result<base::CommandOutput> RunCommand(const std::vector<std::string>& argv) {
  base::CommandOptions o;
  o.max_bytes = 64 * 1024;
  o.truncate = true;
  o.merge_stderr = true;
  o.spawn = [](const std::vector<std::string>& args, int out_fd, int err_fd) {
    return SpawnChild(args, {-1, out_fd, err_fd});
  };
  o.wait = WaitChild;
  return base::RunCommand(argv, o);
}

int ReapOrphans() {
  std::lock_guard lock(g_mu);
  int reaped = 0;
  while (true) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) break;
    // An owned child is next in line: its waiter will collect it; look again next pass.
    if (g_owned.count(info.si_pid)) break;
    ::waitpid(info.si_pid, nullptr, WNOHANG);
    ++reaped;
  }
  return reaped;
}

Status BecomeSubreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    return Internal(std::string("prctl(PR_SET_CHILD_SUBREAPER): ") + std::strerror(errno));
  }
  return Ok();
}

}  // namespace cocoon::guest
