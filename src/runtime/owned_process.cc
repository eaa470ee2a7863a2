// Spawning and reaping of owned children (QEMU). Only async-signal-safe calls after fork.
#include "runtime/owned_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cocoon::runtime::internal {
namespace {

// The child side of Spawn: never returns. Reports a failing step's errno through `err_fd`.
[[noreturn]] void ExecChild(char* const* argv, const char* log_path, pid_t owner, int err_fd,
                            int keep_fd) {
  auto fail = [err_fd](int step_errno) {
    ssize_t ignored = write(err_fd, &step_errno, sizeof step_errno);
    (void)ignored;
    _exit(127);
  };
  setpgid(0, 0);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(errno);
  if (getppid() != owner) _exit(1);  // the owner died before prctl took effect
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) signal(sig, SIG_DFL);
  int in = open("/dev/null", O_RDONLY);
  int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (in < 0 || log < 0) fail(errno);
  if (dup2(in, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0) fail(errno);
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);  // err_fd is CLOEXEC too: closes on success
  if (keep_fd >= 3 && fcntl(keep_fd, F_SETFD, 0) != 0) fail(errno);
  execv(argv[0], argv);
  fail(errno);
  _exit(127);
}

int ExitStatus(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return -1;
}

}  // namespace

int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

Result<OwnedProcess> OwnedProcess::Spawn(const std::vector<std::string>& argv,
                                         const std::string& log_path, int keep_fd) {
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/') {
    return InvalidArgument("spawn: argv[0] must be an absolute path");
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + strerror(errno));
  pid_t owner = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(err_pipe[0]);
    close(err_pipe[1]);
    return Internal(std::string("fork: ") + strerror(e));
  }
  if (pid == 0) ExecChild(args.data(), log_path.c_str(), owner, err_pipe[1], keep_fd);
  close(err_pipe[1]);
  setpgid(pid, pid);  // also in the child: whichever runs first wins, both agree
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(err_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close(err_pipe[0]);
  int pidfd = PidfdOpen(pid);
  OwnedProcess process(pid, pidfd);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    process.Reap();
    return Internal("exec " + argv[0] + ": " + strerror(child_errno));
  }
  if (pidfd < 0) return Internal(std::string("pidfd_open: ") + strerror(errno));
  return process;
}

OwnedProcess::OwnedProcess(OwnedProcess&& o) noexcept
    : pid_(o.pid_), pidfd_(o.pidfd_), exited_(o.exited_.load()), status_(o.status_) {
  o.pid_ = -1;
  o.pidfd_ = -1;
  o.exited_ = true;
}

OwnedProcess::~OwnedProcess() {
  if (pid_ > 0 && !exited_) Kill();
  if (pidfd_ >= 0) close(pidfd_);
}

void OwnedProcess::Reap() {
  std::lock_guard lock(reap_mu_);
  if (exited_ || pid_ <= 0) return;
  // The group leader is not reaped yet, so its pid (= the group id) cannot be reused here.
  kill(-pid_, SIGKILL);
  int wstatus = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &wstatus, 0);
  } while (r < 0 && errno == EINTR);
  status_ = r == pid_ ? ExitStatus(wstatus) : -1;
  exited_ = true;
}

Result<int> OwnedProcess::Wait(std::chrono::milliseconds timeout) {
  if (exited_) return status_;
  pollfd p{pidfd_, POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    int r = poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
    if (r > 0) break;
    if (r == 0) {
      return DeadlineExceeded("process " + std::to_string(pid_) + " still running after " +
                              std::to_string(timeout.count()) + " ms");
    }
    if (errno != EINTR) return Internal(std::string("poll pidfd: ") + strerror(errno));
  }
  Reap();
  std::lock_guard lock(reap_mu_);
  return status_;
}

void OwnedProcess::Signal(int sig) {
  if (!exited_ && pid_ > 0) kill(pid_, sig);
}

int OwnedProcess::Kill() {
  Reap();
  std::lock_guard lock(reap_mu_);
  return status_;
}

}  // namespace cocoon::runtime::internal
