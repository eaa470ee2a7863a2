// PodVm (see pod_vm.h): boot, agent connection, sandbox, failure reports and teardown.
#include "runtime/pod_vm.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <thread>

#include "podproto/podproto.h"
#include "runtime/console_lines.h"

namespace cocoon::runtime {

using std::chrono::milliseconds;

// Follows the VM's console log: step lines go to the callback, the last lines are kept for
// error reports.
class ConsoleFollower {
 public:
  ConsoleFollower(std::string path, std::function<void(std::string_view)> on_step)
      : path_(std::move(path)), on_step_(std::move(on_step)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~ConsoleFollower() { Stop(); }

  void Stop() {
    if (stop_.exchange(true)) return;
    thread_.join();
  }

  // The last lines that matter for a failure report (runtime/console_lines.h).
  std::string ForFailure(size_t n) {
    std::lock_guard lock(mu_);
    return FailureConsoleTail(lines_, n);
  }

 private:
  void Loop() {
    int fd = -1;
    std::string partial;
    char buf[8192];
    bool last_round = false;
    while (true) {
      if (fd < 0) fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
      ssize_t n = fd < 0 ? 0 : ::read(fd, buf, sizeof buf);
      if (n > 0) {
        partial.append(buf, static_cast<size_t>(n));
        size_t nl;
        while ((nl = partial.find('\n')) != std::string::npos) {
          Line(partial.substr(0, nl));
          partial.erase(0, nl + 1);
        }
        if (partial.size() > 4096) {  // a console line this long is noise; keep a bounded piece
          Line(partial.substr(0, 4096));
          partial.clear();
        }
        continue;
      }
      if (last_round) break;
      if (stop_)
        last_round = true;  // one more read drains what the VM wrote last
      else
        std::this_thread::sleep_for(milliseconds(20));
    }
    if (!partial.empty()) Line(partial);
    if (fd >= 0) ::close(fd);
  }

  void Line(std::string line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    auto step = podproto::StepFromConsole(line);
    if (step && on_step_) on_step_(*step);
    std::lock_guard lock(mu_);
    lines_.push_back(std::move(line));
    if (lines_.size() > 200) lines_.pop_front();
  }

  std::string path_;
  std::function<void(std::string_view)> on_step_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::deque<std::string> lines_;
  std::thread thread_;
};

Result<std::unique_ptr<PodVm>> PodVm::Boot(Hypervisor& hypervisor, const PodVmSpec& spec,
                                           PodVmCallbacks cb) {
  VmConfig vc;
  vc.kernel = spec.kernel;
  vc.initrd = spec.initrd;
  vc.initdata = spec.initdata;
  vc.memory_mib = spec.memory_mib;
  vc.vcpus = spec.vcpus;
  vc.accel = spec.accel;
  vc.tee = spec.tee;
  vc.firmware = spec.firmware;
  vc.services = spec.services;
  vc.vtpm_socket = spec.vtpm_socket;
  vc.run_dir = spec.run_dir;
  vc.extra_args = spec.extra_args;
  vc.pod_net_fd = spec.pod_net_fd;
  vc.pod_net_mac = spec.pod_net_interface.hwaddr();
  auto vm = hypervisor.Start(vc);
  if (!vm) return std::unexpected(vm.error().WithContext("starting the pod VM"));

  std::unique_ptr<PodVm> pod(new PodVm());
  pod->vm_ = std::move(*vm);
  pod->vm_started_at_ = Clock::now();
  if (cb.vm_started) cb.vm_started(pod->vm_->pid());
  if (cb.step) cb.step("pod VM started (QEMU pid " + std::to_string(pod->vm_->pid()) + ")");
  pod->console_ = std::make_unique<ConsoleFollower>(pod->vm_->console_log_path(), cb.step);

  // A failure below stops the VM (the destructor) after the report is built.
  auto fail = [&](const Error& e, std::string_view stage) {
    Error described = pod->Describe(e, stage);
    return std::unexpected(described);
  };
  auto fd = pod->vm_->ConnectChannel(spec.agent_timeout);
  if (!fd) return fail(fd.error(), "connecting to the agent");
  AgentTimeouts at;
  at.call = spec.agent_timeout;
  at.create_container = spec.create_timeout;
  pod->agent_ = std::make_unique<AgentClient>(std::make_unique<net::ttrpc::Client>(*fd), at);
  auto serving = pod->agent_->Check();
  if (!serving) return fail(serving.error(), "waiting for the agent");
  if (!*serving) return fail(Unavailable("agent is not serving").error(), "waiting for the agent");
  pod->agent_ready_at_ = Clock::now();
  if (cb.step) cb.step("agent ready");

  if (spec.pod_net_fd >= 0) {
    ::grpc::UpdateInterfaceRequest nic;
    *nic.mutable_interface() = spec.pod_net_interface;
    if (auto st = pod->agent_->UpdateInterface(nic); !st) return fail(st.error(), "UpdateInterface");
    ::grpc::UpdateRoutesRequest routes;
    *routes.mutable_routes() = spec.pod_net_routes;
    if (auto st = pod->agent_->UpdateRoutes(routes); !st) return fail(st.error(), "UpdateRoutes");
    if (cb.step && spec.pod_net_interface.ipaddresses_size() > 0) {
      const auto& a = spec.pod_net_interface.ipaddresses(0);
      cb.step("pod network: " + a.address() + "/" + a.mask());
    }
  }
  ::grpc::CreateSandboxRequest sandbox;
  sandbox.set_registry_auth(spec.registry_auth);
  if (auto st = pod->agent_->CreateSandbox(sandbox); !st) return fail(st.error(), "CreateSandbox");
  return pod;
}

PodVm::~PodVm() { (void)Shutdown(milliseconds(2000)); }

pid_t PodVm::pid() const { return vm_ ? vm_->pid() : -1; }

Error PodVm::Describe(const Error& e, std::string_view stage) {
  std::string msg = std::string(stage) + ": " + e.message();
  if (auto status = vm_->Wait(milliseconds(200)); status) {
    msg = std::string(stage) + ": the pod VM exited (status " + std::to_string(*status) + ")";
    // Everything the VM printed before it died is in the log by now.
    console_->Stop();
  }
  std::string tail = console_->ForFailure(15);
  if (!tail.empty()) msg += "\nlast console lines:\n" + tail;
  return Error(e.code(), msg);
}

Result<int> PodVm::WaitVm(milliseconds timeout) { return vm_->Wait(timeout); }

Result<int> PodVm::Shutdown(milliseconds grace) {
  std::lock_guard lock(shutdown_mu_);
  if (shut_down_) return exit_status_;
  shut_down_ = true;
  auto status = vm_->Stop(grace);
  if (console_) console_->Stop();
  if (!status) return std::unexpected(status.error());
  exit_status_ = *status;
  return exit_status_;
}

}  // namespace cocoon::runtime
