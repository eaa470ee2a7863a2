// Child process spawning and waiting (see child_process.h).
#include "guest/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

extern char** environ;

namespace cocoon::guest {
namespace {

std::mutex g_mu;          // held across spawn + registration and by the reaper
std::set<pid_t> g_owned;  // pids some thread waits for

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Result<pid_t> SpawnChild(const std::vector<std::string>& argv, const SpawnFds& fds) {
  if (argv.empty()) return InvalidArgument("empty command");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const int targets[3] = {0, 1, 2};
  const int sources[3] = {fds.in, fds.out, fds.err};
  for (int i = 0; i < 3; ++i) {
    if (sources[i] >= 0) {
      posix_spawn_file_actions_adddup2(&actions, sources[i], targets[i]);
    } else {
      posix_spawn_file_actions_addopen(&actions, targets[i], "/dev/null", O_RDWR, 0);
    }
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc;
  {
    std::lock_guard lock(g_mu);
    rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
    if (rc == 0) g_owned.insert(pid);
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Internal("cannot start " + argv[0] + ": " + std::strerror(rc));
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
  return ExitCode(status);
}

Result<CommandOutput> RunCommand(const std::vector<std::string>& argv) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + std::strerror(errno));
  auto pid = SpawnChild(argv, {-1, p[1], p[1]});
  ::close(p[1]);
  if (!pid) {
    ::close(p[0]);
    return std::unexpected(pid.error());
  }
  CommandOutput out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof(buf))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (out.output.size() < 64 * 1024) out.output.append(buf, static_cast<size_t>(n));
  }
  ::close(p[0]);
  ASSIGN_OR_RETURN(out.exit_code, WaitChild(*pid));
  return out;
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
