// QEMU launch and lifecycle. The process and its run directory are owned by the QemuVm.
#include "runtime/qemu.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "runtime/owned_process.h"
#include "runtime/qemu_args.h"

namespace cocoon::runtime {
namespace {

namespace fs = std::filesystem;
using internal::OwnedProcess;
using std::chrono::milliseconds;

constexpr std::string_view kRunDirPrefix = "cocoon-vm-";

std::string Tail(const std::string& path, size_t max) {
  auto text = base::ReadFile(path, "log");
  if (!text) return "";
  return text->size() > max ? text->substr(text->size() - max) : *text;
}

Status WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) return Internal("cannot write " + path);
  return Ok();
}

class QemuVm : public Vm {
 public:
  QemuVm(OwnedProcess process, RunPaths paths, std::string run_dir, bool owns_dir)
      : process_(std::move(process)),
        paths_(std::move(paths)),
        run_dir_(std::move(run_dir)),
        owns_dir_(owns_dir) {}
  ~QemuVm() override {
    (void)Stop(milliseconds(2000));
    if (owns_dir_) {
      std::error_code ec;
      fs::remove_all(run_dir_, ec);
    }
  }

  pid_t pid() const override { return process_.pid(); }
  const std::string& console_log_path() const override { return paths_.console; }
  const std::string& channel_socket_path() const override { return paths_.channel; }

  Result<int> ConnectChannel(milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return Internal(std::string("socket: ") + strerror(errno));
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::strncpy(addr.sun_path, paths_.channel.c_str(), sizeof addr.sun_path - 1);
      if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
      close(fd);
      // Doubles as the retry pause: returns early when QEMU exits.
      auto exited = process_.Wait(milliseconds(20));
      if (exited) {
        return Unavailable("QEMU exited with status " + std::to_string(*exited) +
                           " before the agent channel opened: " + Tail(LogPath(), 600));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return DeadlineExceeded("agent channel " + paths_.channel + " not open after " +
                                std::to_string(timeout.count()) + " ms");
      }
    }
  }

  Result<int> Wait(milliseconds timeout) override { return process_.Wait(timeout); }

  Result<int> Stop(milliseconds grace) override {
    if (process_.exited()) return process_.exit_status();
    process_.Signal(SIGTERM);  // QEMU shuts down cleanly on SIGTERM
    auto status = process_.Wait(grace);
    if (status) return status;
    return process_.Kill();
  }

  std::string LogPath() const { return run_dir_ + "/qemu.log"; }

 private:
  OwnedProcess process_;
  RunPaths paths_;
  std::string run_dir_;
  bool owns_dir_;
};

Result<std::string> MakeRunDir() {
  std::string tmpl = RunDirParent() + "/" + std::string(kRunDirPrefix) + "XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return Internal("mkdtemp " + tmpl + ": " + strerror(errno));
  }
  TRY(WriteFile(tmpl + "/owner.pid", std::to_string(getpid()) + "\n"));
  return tmpl;
}

}  // namespace

std::string RunDirParent() {
  const char* tmp = std::getenv("TMPDIR");
  // Socket paths must fit sockaddr_un (108 bytes) with "/cocoon-vm-XXXXXX/agent.sock".
  if (tmp != nullptr && tmp[0] == '/' && std::strlen(tmp) < 64) return tmp;
  return "/tmp";
}

Result<std::unique_ptr<Vm>> QemuHypervisor::Start(const VmConfig& config) {
  VmConfig c = config;
  bool owns_dir = c.run_dir.empty();
  if (owns_dir) {
    SweepStaleRunDirs(RunDirParent());
    ASSIGN_OR_RETURN(c.run_dir, MakeRunDir());
  }
  auto cleanup = [&](Error e) -> Result<std::unique_ptr<Vm>> {
    std::error_code ec;
    if (owns_dir) fs::remove_all(c.run_dir, ec);
    return std::unexpected(std::move(e));
  };
  RunPaths paths = PathsIn(c.run_dir);
  auto argv = QemuArgs(c, caps_);
  if (!argv) return cleanup(argv.error());
  if (!c.initdata.empty()) {
    if (auto st = WriteFile(paths.initdata, c.initdata); !st) return cleanup(st.error());
  }
  auto process = OwnedProcess::Spawn(*argv, c.run_dir + "/qemu.log", c.pod_net_fd);
  if (!process) return cleanup(process.error().WithContext("starting QEMU"));
  return std::make_unique<QemuVm>(std::move(*process), paths, c.run_dir, owns_dir);
}

int SweepStaleRunDirs(const std::string& parent) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    if (!entry.path().filename().string().starts_with(kRunDirPrefix)) continue;
    auto owner = base::ReadFile((entry.path() / "owner.pid").string(), "owner pid", 32);
    if (!owner) continue;  // not ours, or being created right now
    long pid = std::strtol(owner->c_str(), nullptr, 10);
    if (pid <= 0 || kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    if (fs::remove_all(entry.path(), ec) > 0) ++removed;
  }
  return removed;
}

}  // namespace cocoon::runtime
