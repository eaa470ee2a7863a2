// A pod VM that lives as long as its owner wants: booted, its agent connected and its sandbox
// created, then driven container by container through the agent API. `cocoon run` (RunPod)
// drives one container through it and tears it down; the containerd shim keeps one per pod
// sandbox and runs every container of the pod in it. The guest's answers are untrusted.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "agent.pb.h"
#include "base/error.h"
#include "runtime/agent_client.h"
#include "runtime/hypervisor.h"

namespace cocoon::runtime {

struct PodVmSpec {
  std::string kernel;
  std::string initrd;
  std::string initdata;  // TOML (bound to the evidence; carries the KBS URL and image policy)
  // containers auth.json for the guest's pulls: sent in CreateSandbox over the agent channel,
  // never in initdata or an argv. Empty: anonymous.
  std::string registry_auth;
  std::vector<ForwardedService> services;
  uint32_t memory_mib = 1024;
  uint32_t vcpus = 1;
  Accel accel = Accel::kAuto;
  Tee tee = Tee::kNone;
  std::string firmware;
  std::string vtpm_socket;              // swtpm's control socket: the guest gets a TPM (tpm-tis)
  std::string run_dir;                  // empty: the hypervisor makes (and removes) its own
  std::vector<std::string> extra_args;  // appended to the QEMU argv
  // The pod network (a CRI pod's CNI namespace): the tap fd QEMU inherits, and what the guest is
  // told after boot, before CreateSandbox (kata's UpdateInterface and UpdateRoutes). The
  // interface's hwAddr is the guest NIC's MAC. -1: user networking only.
  int pod_net_fd = -1;
  ::grpc::Interface pod_net_interface;
  ::grpc::Routes pod_net_routes;
  std::chrono::milliseconds agent_timeout{180'000};   // boot to agent ready; each agent call
  std::chrono::milliseconds create_timeout{900'000};  // CreateContainer: attest + keys + pull
};

struct PodVmCallbacks {
  std::function<void(std::string_view)> step;  // host and guest progress lines
  std::function<void(pid_t)> vm_started;       // the hypervisor process (for signal handlers)
};

class ConsoleFollower;

class PodVm {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts the VM, connects to its agent and creates the sandbox. Errors name the stage (the
  // VM did not start or died, with its console's last lines; the agent did not answer) and
  // leave no VM behind.
  static Result<std::unique_ptr<PodVm>> Boot(Hypervisor& hypervisor, const PodVmSpec& spec,
                                             PodVmCallbacks callbacks);
  ~PodVm();  // Shutdown() with a short grace
  PodVm(const PodVm&) = delete;
  PodVm& operator=(const PodVm&) = delete;

  AgentClient& agent() { return *agent_; }
  pid_t pid() const;
  Clock::time_point vm_started_at() const { return vm_started_at_; }
  Clock::time_point agent_ready_at() const { return agent_ready_at_; }

  // `e` as a failure of `stage`: when the VM has exited, says so with its status, and adds the
  // console's last lines. Does not stop the VM.
  Error Describe(const Error& e, std::string_view stage);
  // The VM's exit status when it has exited within `timeout`; DeadlineExceeded while it runs.
  Result<int> WaitVm(std::chrono::milliseconds timeout);
  // Stops the VM (SIGTERM, `grace`, then SIGKILL) and the console follower; a caller whose
  // agent still answers asks it to DestroySandbox first. Idempotent; the VM's exit status.
  Result<int> Shutdown(std::chrono::milliseconds grace);

 private:
  PodVm() = default;

  std::unique_ptr<Vm> vm_;
  std::unique_ptr<ConsoleFollower> console_;
  std::unique_ptr<AgentClient> agent_;
  Clock::time_point vm_started_at_{};
  Clock::time_point agent_ready_at_{};
  std::mutex shutdown_mu_;
  bool shut_down_ = false;
  int exit_status_ = -1;
};

}  // namespace cocoon::runtime
