// OCI runtime driver (see container.h).
#include "guest/container.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "base/file.h"

namespace cocoon::guest {
namespace {

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

Result<std::shared_ptr<ContainerProcess>> ContainerProcess::Create() {
  std::shared_ptr<ContainerProcess> p(new ContainerProcess());
  int fds[3][2];
  for (auto& f : fds) {
    if (::pipe2(f, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + std::strerror(errno));
  }
  p->in_r_ = fds[0][0], p->in_w_ = fds[0][1];
  p->out_r_ = fds[1][0], p->out_w_ = fds[1][1];
  p->err_r_ = fds[2][0], p->err_w_ = fds[2][1];
  return p;
}

ContainerProcess::~ContainerProcess() {
  for (int* fd : {&in_r_, &in_w_, &out_r_, &out_w_, &err_r_, &err_w_}) CloseFd(*fd);
}

void ContainerProcess::CloseChildEnds() {
  CloseFd(in_r_);
  CloseFd(out_w_);
  CloseFd(err_w_);
}

void ContainerProcess::Started(pid_t pid) {
  pid_ = pid;
  OwnChild(pid);
  std::thread([self = shared_from_this(), pid] {
    auto code = WaitChild(pid);
    if (!code) {
      std::fprintf(stderr, "cocoon-agent: process %d: %s\n", static_cast<int>(pid),
                   code.error().message().c_str());
    }
    std::lock_guard lock(self->mu_);
    self->exit_code_ = code ? *code : 255;
    self->exited_cv_.notify_all();
  }).detach();
}

Result<std::string> ContainerProcess::Read(bool from_stderr, size_t max) {
  std::lock_guard reader(read_mu_[from_stderr ? 1 : 0]);
  int fd = from_stderr ? err_r_ : out_r_;
  std::string buf(max, '\0');
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (shutdown_ || fd < 0) return std::string();
    }
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, 200);
    if (rc < 0 && errno != EINTR) return Internal(std::string("poll: ") + std::strerror(errno));
    if (rc <= 0) continue;
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return Internal(std::string("read: ") + std::strerror(errno));
    buf.resize(static_cast<size_t>(n));
    return buf;
  }
}

std::string ContainerProcess::TakeStderrNow() {
  std::string out;
  char buf[4096];
  while (out.size() < 16 * 1024) {
    pollfd p{err_r_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) break;
    ssize_t n = ::read(err_r_, buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

Result<size_t> ContainerProcess::Write(std::string_view data) {
  std::lock_guard lock(mu_);
  if (in_w_ < 0) return FailedPrecondition("stdin is closed");
  ssize_t n;
  do {
    n = ::write(in_w_, data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return FailedPrecondition(std::string("write to stdin: ") + std::strerror(errno));
  return static_cast<size_t>(n);
}

Status ContainerProcess::CloseStdin() {
  std::lock_guard lock(mu_);
  CloseFd(in_w_);
  return Ok();
}

Result<int> ContainerProcess::Wait() {
  std::unique_lock lock(mu_);
  if (pid_ < 0) return FailedPrecondition("process was not started");
  exited_cv_.wait(lock, [this] { return exit_code_.has_value(); });
  return *exit_code_;
}

std::optional<int> ContainerProcess::exit_code() const {
  std::lock_guard lock(mu_);
  return exit_code_;
}

Status ContainerProcess::Signal(int sig) {
  std::lock_guard lock(mu_);
  if (pid_ < 0) return FailedPrecondition("process was not started");
  if (exit_code_) {  // already gone: nothing to signal (and the pid may be reused)
    std::fprintf(stderr, "cocoon-agent: signal %d not sent: process %d exited with %d\n", sig,
                 static_cast<int>(pid_), *exit_code_);
    return Ok();
  }
  if (::kill(pid_, sig) != 0) return Internal(std::string("kill: ") + std::strerror(errno));
  std::fprintf(stderr, "cocoon-agent: signal %d sent to process %d\n", sig, static_cast<int>(pid_));
  return Ok();
}

void ContainerProcess::Shutdown() {
  std::lock_guard lock(mu_);
  shutdown_ = true;
  CloseFd(in_w_);
}

std::vector<std::string> Container::RuntimeArgv(std::initializer_list<std::string> args) const {
  std::vector<std::string> argv{runtime_.path};
  argv.insert(argv.end(), runtime_.global_args.begin(), runtime_.global_args.end());
  if (!runtime_.root.empty()) argv.insert(argv.end(), {"--root", runtime_.root});
  argv.insert(argv.end(), args);
  return argv;
}

Result<pid_t> Container::RunWithPidFile(std::string_view what, std::vector<std::string> argv,
                                        ContainerProcess& process, const std::string& pid_file) {
  ASSIGN_OR_RETURN(pid_t runner, SpawnChild(argv, process.child_fds()));
  ASSIGN_OR_RETURN(int code, WaitChild(runner));
  if (code != 0) {
    return FailedPrecondition(argv[0] + " " + std::string(what) + " of container " + id_ +
                              " failed (exit " + std::to_string(code) +
                              "): " + process.TakeStderrNow());
  }
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(pid_file, "container pid file", 64));
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || pid <= 1) return Internal("bad pid file " + pid_file + ": " + text);
  (void)end;
  return pid;
}

Status Container::Create() {
  ASSIGN_OR_RETURN(auto init, ContainerProcess::Create());
  std::string pid_file = bundle_ + "/init.pid";
  auto argv = RuntimeArgv({"create", "--bundle", bundle_, "--pid-file", pid_file, id_});
  auto pid = RunWithPidFile("create", std::move(argv), *init, pid_file);
  init->CloseChildEnds();
  if (!pid) return std::unexpected(pid.error());
  init->Started(*pid);
  std::lock_guard lock(mu_);
  processes_[""] = std::move(init);
  return Ok();
}

Status Container::Start() {
  ASSIGN_OR_RETURN(base::CommandOutput out, RunCommand(RuntimeArgv({"start", id_})));
  if (out.exit_code != 0) {
    return FailedPrecondition(runtime_.path + " start of container " + id_ + " failed: " + out.out);
  }
  return Ok();
}

Status Container::Exec(const std::string& exec_id, const std::vector<std::string>& args,
                       const std::vector<std::string>& env, const std::string& cwd) {
  if (exec_id.empty()) return InvalidArgument("exec_id must not be empty");
  if (args.empty()) return InvalidArgument("exec " + exec_id + " has no command");
  {
    std::lock_guard lock(mu_);
    if (processes_.count(exec_id)) return FailedPrecondition("exec id " + exec_id + " exists");
    processes_[exec_id] = nullptr;  // reserved until the runtime has started it
  }
  auto release = [this, &exec_id] {
    std::lock_guard lock(mu_);
    processes_.erase(exec_id);
  };
  auto created = ContainerProcess::Create();
  if (!created) {
    release();
    return std::unexpected(created.error());
  }
  std::shared_ptr<ContainerProcess> proc = std::move(*created);
  std::string pid_file = bundle_ + "/exec-" + exec_id + ".pid";
  auto argv = RuntimeArgv({"exec", "--detach", "--pid-file", pid_file});
  if (!cwd.empty()) argv.insert(argv.end(), {"--cwd", cwd});
  for (const auto& e : env) argv.insert(argv.end(), {"--env", e});
  argv.push_back(id_);
  argv.insert(argv.end(), args.begin(), args.end());
  auto pid = RunWithPidFile("exec", std::move(argv), *proc, pid_file);
  proc->CloseChildEnds();
  if (!pid) {
    release();
    return std::unexpected(pid.error());
  }
  proc->Started(*pid);
  std::lock_guard lock(mu_);
  processes_[exec_id] = std::move(proc);
  return Ok();
}

Result<std::shared_ptr<ContainerProcess>> Container::Process(const std::string& exec_id) const {
  std::lock_guard lock(mu_);
  auto it = processes_.find(exec_id);
  if (it == processes_.end() || !it->second) {
    return NotFound("container " + id_ + " has no process '" + exec_id + "'");
  }
  return it->second;
}

Status Container::Remove() {
  std::map<std::string, std::shared_ptr<ContainerProcess>> procs;
  {
    std::lock_guard lock(mu_);
    procs.swap(processes_);
  }
  for (auto& [id, p] : procs) {
    if (!p) continue;
    (void)p->Signal(SIGKILL);
    if (p->pid() > 0) (void)p->Wait();
    p->Shutdown();
  }
  auto out = RunCommand(RuntimeArgv({"delete", "--force", id_}));
  std::error_code ec;
  std::filesystem::remove_all(bundle_, ec);
  if (!out) return std::unexpected(out.error());
  if (out->exit_code != 0) {
    return FailedPrecondition(runtime_.path + " delete of " + id_ + " failed: " + out->out);
  }
  return Ok();
}

}  // namespace cocoon::guest
