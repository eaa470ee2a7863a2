// The shim's subcommands (see shim_main.h).
#include "shim/shim_main.h"

#include <execinfo.h>
#include <fcntl.h>
#include <google/protobuf/any.pb.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "base/logging.h"
#include "containerd/runtimeoptions.pb.h"
#include "net/ttrpc_client.h"
#include "net/ttrpc_server.h"
#include "runtime/host_caps.h"
#include "runtime/qemu.h"
#include "shim/address.h"
#include "shim/args.h"
#include "shim/bundle.h"
#include "shim/events.h"
#include "shim/pod_boot.h"
#include "shim/task_service.h"
#include "shim/timestamps.h"

namespace cocoon::shim {
namespace {

constexpr const char* kVersion = "0.1.0";

std::string SelfPath() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("containerd-shim-cocoon-v2") : p.string();
}

std::string Cwd() {
  std::error_code ec;
  auto p = std::filesystem::current_path(ec);
  return ec ? std::string(".") : p.string();
}

// The runtime options on `start`'s stdin (a google.protobuf.Any, or nothing): the config path.
Result<ShimConfig> ConfigFromStdin() {
  std::string in;
  char buf[4096];
  while (in.size() <= 1024 * 1024) {
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  std::string path;
  if (!in.empty()) {
    google::protobuf::Any any;
    if (!any.ParseFromString(in)) return InvalidArgument("runtime options on stdin are not an Any");
    if (any.type_url() == "runtimeoptions.v1.Options") {
      runtimeoptions::v1::Options o;
      if (!o.ParseFromString(any.value()))
        return InvalidArgument("malformed runtimeoptions.v1.Options");
      path = o.config_path();
    }
  }
  return LoadShimConfig(path);
}

Status WriteSmallFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::trunc);
  f << text;
  f.close();
  if (!f) return Unavailable("cannot write " + path);
  return Ok();
}

int Fail(std::string_view what, const Error& e) {
  // containerd shows start's combined output in its error: say what failed in one line.
  std::fprintf(stderr, "containerd-shim-cocoon-v2 %.*s: %s\n", static_cast<int>(what.size()),
               what.data(), e.message().c_str());
  return 1;
}

int RunStart(const ShimArgs& a) {
  std::string bundle = a.bundle.empty() ? Cwd() : a.bundle;
  auto spec = ReadBundleSpec(bundle, a.id);
  if (!spec) return Fail("start", spec.error());
  auto config = ConfigFromStdin();
  if (!config) return Fail("start", config.error());
  std::string address = SocketAddress(config->socket_dir, a.address, a.ns, spec->group);
  std::string path = SocketPath(address);
  if (spec->kind == TaskKind::kPodContainer) {
    // The sandbox's daemon serves every container of the pod.
    if (!SocketAccepts(path)) {
      return Fail("start", FailedPrecondition("the shim of sandbox " + spec->group +
                                              " is not running (" + path + ")")
                               .error());
    }
    if (auto st = WriteSmallFile(bundle + "/address", address); !st)
      return Fail("start", st.error());
    std::fputs(address.c_str(), stdout);
    return 0;
  }
  auto fd = ListenSocket(path);
  if (!fd) return Fail("start", fd.error());
  if (auto st = WriteSmallFile(bundle + "/address", address); !st) return Fail("start", st.error());
  std::vector<std::string> argv = DaemonArgv(SelfPath(), a);
  pid_t pid = ::fork();
  if (pid < 0) return Fail("start", Internal("fork failed").error());
  if (pid == 0) {
    ::setsid();
    // containerd reads start's output to EOF: the daemon must not hold these pipes.
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (*fd == 3) {
      // dup2(3, 3) does nothing, and would leave FD_CLOEXEC set: the daemon would get no
      // listener (the case when containerd starts `start` with only stdio open).
      ::fcntl(3, F_SETFD, 0);
    } else {
      ::dup2(*fd, 3);  // dup2 clears FD_CLOEXEC on the copy
    }
    // Nothing else of the caller's: an inherited pipe would keep its reader waiting for EOF.
    ::close_range(4, ~0U, 0);
    if (::chdir(bundle.c_str()) != 0) ::_exit(127);
    std::vector<char*> cargv;
    for (auto& s : argv) cargv.push_back(s.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(*fd);
  (void)WriteSmallFile(bundle + "/shim.pid", std::to_string(pid));
  std::fputs(address.c_str(), stdout);
  return 0;
}

int RunDelete(const ShimArgs& a) {
  std::string bundle = a.bundle.empty() ? Cwd() : a.bundle;
  auto address = base::ReadFile(bundle + "/address", "shim address", 4096);
  if (address) {
    std::string path = SocketPath(*address);
    if (SocketAccepts(path)) {
      // The daemon exits once its pod has no tasks left.
      if (auto client = net::ttrpc::Client::DialUnix(path); client) {
        task::ShutdownRequest req;
        req.set_id(a.id);
        (void)(*client)->Call(kTaskServiceName, "Shutdown", req.SerializeAsString(),
                              std::chrono::milliseconds(2000));
      }
    } else {
      ::unlink(path.c_str());
    }
  }
  // A killed daemon's QEMU died with it (PR_SET_PDEATHSIG); its run directory is left.
  runtime::SweepStaleRunDirs(runtime::RunDirParent());
  task::DeleteResponse out;
  out.set_exit_status(128 + SIGKILL);
  *out.mutable_exited_at() = NowTimestamp();
  std::string bytes = out.SerializeAsString();
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  return 0;
}

int RunDaemon(const ShimArgs& a) {
  // containerd copies the bundle's `log` FIFO into its own log.
  if (int log = ::open("log", O_WRONLY | O_CLOEXEC | O_NONBLOCK); log >= 0) {
    int flags = ::fcntl(log, F_GETFL);
    ::fcntl(log, F_SETFL, flags & ~O_NONBLOCK);
    ::dup2(log, 2);
    ::close(log);
  }
  base::InitLogging(a.debug ? "debug" : "info");
  ::signal(SIGPIPE, SIG_IGN);
  // A crash leaves its backtrace in containerd's log (the daemon's stderr is the bundle's log).
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) {
    struct sigaction crash {};
    crash.sa_handler = [](int signo) {
      char line[64];
      int n = std::snprintf(line, sizeof line, "shim crashed: signal %d\n", signo);
      (void)!::write(2, line, static_cast<size_t>(n));
      void* frames[64];
      int depth = ::backtrace(frames, 64);
      ::backtrace_symbols_fd(frames, depth, 2);
      // containerd may stop reading the log the moment the connection drops: a file too.
      char path[96];
      std::snprintf(path, sizeof path, "/tmp/cocoon-shim-crash-%d.log", static_cast<int>(::getpid()));
      int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd >= 0) {
        (void)!::write(fd, line, static_cast<size_t>(n));
        ::backtrace_symbols_fd(frames, depth, fd);
        ::close(fd);
      }
      ::signal(signo, SIG_DFL);
      ::raise(signo);
    };
    crash.sa_flags = SA_RESETHAND;
    ::sigaction(sig, &crash, nullptr);
  }
  const char* ttrpc_address = std::getenv("TTRPC_ADDRESS");
  auto events = std::make_unique<EventPublisher>(ttrpc_address ? ttrpc_address : "", a.ns);
  auto qemu = std::make_unique<runtime::QemuHypervisor>(runtime::DetectHostCaps());
  std::string agent = (std::filesystem::path(SelfPath()).parent_path() / "cocoon-agent").string();
  auto defaults = LoadShimConfig("");
  if (!defaults) {
    LOG_ERROR("shim config: {}", defaults.error().message());
    return 1;
  }
  std::string address_path;
  if (auto addr = base::ReadFile("address", "shim address", 4096); addr) {
    address_path = SocketPath(*addr);
  }
  auto server = std::make_unique<net::ttrpc::Server>();
  TaskService::Options o;
  o.ns = a.ns;
  o.config = *defaults;
  o.events = events.get();
  o.boot = [hv = qemu.get(), agent](const BundleSpec& spec, const ShimConfig& c) {
    return BootPodVm(*hv, spec, c, agent);
  };
  TaskService* service_ptr = nullptr;
  // Shutdown (the pod is gone) and SIGTERM end the daemon the same way: the VM stops, queued
  // events are sent, the socket is removed. The process then exits without unwinding, since
  // connection threads may still be inside handlers.
  auto finish = [&](const char* why) {
    LOG_INFO("shim stopping: {}", why);
    if (service_ptr) service_ptr->StopVm();
    // Calls that raced with the Shutdown get their answers out first: CRI's StopPodSandbox kills
    // the sandbox while its exit handler deletes it, so a Kill can arrive just after the
    // Shutdown; for a pod that is gone it gets NotFound (which containerd takes as done), not a
    // closed connection. The daemon keeps answering for a moment, then exits.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (!server->WaitForCalls(std::chrono::milliseconds(2000))) {
      LOG_WARN("exiting with calls still running");
    }
    // A containerd that is gone (or restarting) does not hold the shim up: the exit events get
    // two seconds, then containerd learns of the exits from the next Wait/State or `delete`.
    if (!events->Flush(std::chrono::milliseconds(2000))) LOG_WARN("exiting with events unsent");
    if (!address_path.empty()) ::unlink(address_path.c_str());
    LOG_INFO("shim exiting");
    std::fflush(nullptr);
    ::_exit(0);
  };
  o.on_shutdown = [&finish] { finish("Shutdown with no task left"); };
  auto service = std::make_unique<TaskService>(std::move(o));
  service_ptr = service.get();
  service->RegisterWith(*server);

  // SIGTERM/SIGINT: the handler only writes to a pipe; a thread does the work.
  static int signal_pipe[2] = {-1, -1};
  if (::pipe2(signal_pipe, O_CLOEXEC) == 0) {
    struct sigaction sa {};
    sa.sa_handler = [](int sig) {
      char c = static_cast<char>(sig);
      (void)!::write(signal_pipe[1], &c, 1);
    };
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    std::thread([&finish] {
      char c = 0;
      while (::read(signal_pipe[0], &c, 1) < 0 && errno == EINTR) {
      }
      LOG_INFO("signal {}: stopping the pod", static_cast<int>(c));
      finish("signal");
    }).detach();
  }

  int fd = 3;
  if (!a.socket.empty()) {
    auto listening = ListenSocket(SocketPath(a.socket));
    if (!listening) {
      LOG_ERROR("{}", listening.error().message());
      return 1;
    }
    fd = *listening;
    address_path = SocketPath(a.socket);
  }
  if (auto st = server->AdoptListener(fd); !st) {
    LOG_ERROR("{}", st.error().message());
    return 1;
  }
  LOG_INFO("shim {} serving pod {} (namespace {})", kVersion, a.id, a.ns);
  auto st = server->AcceptLoop();
  if (!st) LOG_ERROR("{}", st.error().message());
  finish(st ? "accept loop ended" : "accept loop failed");
  return 0;
}

}  // namespace

int ShimMain(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  auto a = ParseShimArgs(args);
  if (!a) return Fail("usage", a.error());
  switch (a->action) {
    case Action::kVersion:
      std::printf("containerd-shim-cocoon-v2 %s (runtime io.containerd.cocoon.v2)\n", kVersion);
      return 0;
    case Action::kStart:
      return RunStart(*a);
    case Action::kDelete:
      return RunDelete(*a);
    case Action::kServe:
      return RunDaemon(*a);
  }
  return 2;
}

}  // namespace cocoon::shim
