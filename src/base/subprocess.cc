// posix_spawnp + pipes drained with poll(2), so neither stream can block the child.
#include "base/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace cocoon::base {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() { Close(); }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

Result<int> WaitPid(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return Internal("waitpid " + std::to_string(pid) + ": " + std::strerror(errno));
  }
  return ExitCodeOf(status);
}

}  // namespace

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

Result<pid_t> SpawnWithStdio(const std::vector<std::string>& argv, int in_fd, int out_fd,
                             int err_fd) {
  if (argv.empty()) return InvalidArgument("command: empty argv");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const int sources[3] = {in_fd, out_fd, err_fd};
  for (int target = 0; target < 3; ++target) {
    if (sources[target] >= 0) {
      posix_spawn_file_actions_adddup2(&actions, sources[target], target);
    } else {
      posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_RDWR, 0);
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
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc == ENOENT) return NotFound("command: " + argv[0] + " not found in PATH");
  if (rc != 0) return Internal("command: cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

Result<CommandOutput> RunCommand(const std::vector<std::string>& argv,
                                 const CommandOptions& options) {
  if (argv.empty()) return InvalidArgument("command: empty argv");
  int out_pipe[2], err_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return Internal("command: pipe failed");
  Fd out_r{out_pipe[0]}, out_w{out_pipe[1]};
  if (!options.merge_stderr && ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return Internal("command: pipe failed");
  }
  Fd err_r{err_pipe[0]}, err_w{err_pipe[1]};
  const int child_err = options.merge_stderr ? out_w.fd : err_w.fd;
  auto pid = options.spawn ? options.spawn(argv, out_w.fd, child_err)
                           : SpawnWithStdio(argv, -1, out_w.fd, child_err);
  out_w.Close();
  err_w.Close();
  if (!pid) return std::unexpected(pid.error());

  CommandOutput result;
  bool too_big = false;
  pollfd fds[2] = {{out_r.fd, POLLIN, 0}, {err_r.fd, POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  char buf[65536];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2 && !too_big; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;  // closed by the Fd guards
        continue;
      }
      size_t room = options.max_bytes - std::min(options.max_bytes, sinks[i]->size());
      if (static_cast<size_t>(n) > room && !options.truncate) {
        too_big = true;
        ::kill(*pid, SIGKILL);
        fds[0].fd = fds[1].fd = -1;
        break;
      }
      sinks[i]->append(buf, std::min(room, static_cast<size_t>(n)));
    }
  }
  auto code = options.wait ? options.wait(*pid) : WaitPid(*pid);
  if (too_big) {
    return ResourceExhausted("command: " + argv[0] + " wrote more than " +
                             std::to_string(options.max_bytes) + " bytes");
  }
  if (!code) return std::unexpected(code.error());
  result.exit_code = *code;
  return result;
}

}  // namespace cocoon::base
