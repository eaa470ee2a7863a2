// RunPodCommand (see pod_command.h): the pod's configuration, guest image and vTPM, then RunPod
// with the steps printed and signals turned into stopping the VM.
#include "runtime/pod_command.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "base/json.h"
#include "podproto/podproto.h"
#include "runtime/guest_image.h"
#include "runtime/host_caps.h"
#include "runtime/qemu.h"
#include "runtime/vtpm.h"

namespace cocoon::runtime {
namespace {

void PrintStep(std::string_view line) {
  std::fprintf(stderr, "%s\n", FormatStep(line).c_str());
  std::fflush(stderr);
}

// SIGINT/SIGTERM/SIGHUP while a pod runs kill its VM; RunPod then reports and cleans up.
class InterruptGuard {
 public:
  InterruptGuard() {
    sigemptyset(&set_);
    // SIGUSR2 only wakes the waiting thread when the guard goes away.
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR2}) sigaddset(&set_, s);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this] {
      int sig = 0;
      if (sigwait(&set_, &sig) != 0 || sig == SIGUSR2) return;
      signal_ = sig;
      if (pid_t p = vm_pid_.load(); p > 0) ::kill(-p, SIGKILL);
    });
  }
  ~InterruptGuard() {
    if (signal_ == 0) pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  void VmStarted(pid_t pid) {
    vm_pid_ = pid;
    if (signal_ != 0) ::kill(-pid, SIGKILL);
  }
  int signal() const { return signal_; }

 private:
  sigset_t set_, old_;
  std::atomic<pid_t> vm_pid_{0};
  std::atomic<int> signal_{0};
  std::thread thread_;
};

// The pod VM's kernel and initrd from the guest image (built into the cache when not given).
Status AddGuestImage(const PodCommandOptions& o, PodSpec& spec) {
  ASSIGN_OR_RETURN(GuestBootFiles guest,
                   o.run.guest.empty() ? EnsureGuestImage(o.agent_binary, DefaultGuestCacheDir())
                                       : FindGuestImage(o.run.guest));
  if (!o.quiet) PrintStep("guest image: " + guest.dir + (guest.built ? " (built now)" : ""));
  // OVMF (SEV-SNP, TDX) boots the bzImage through its EFI stub; plain VMs the faster PVH vmlinux.
  spec.kernel = spec.tee == Tee::kNone ? guest.kernel : guest.dir + "/vmlinuz";
  spec.initrd = guest.initrd;
  return Ok();
}

}  // namespace

std::string FormatStep(std::string_view line) {
  std::string tag = "     ";
  if (auto step = podproto::StepOf(line)) {
    tag = "[" + std::to_string(static_cast<int>(*step)) + "/4]";
  }
  return tag + " " + std::string(line);
}

std::string TimingsJson(const PodTimings& t) {
  Json j = {{"vm_started_ms", t.vm_started.count()},
            {"agent_ready_ms", t.agent_ready.count()},
            {"attested_ms", t.attested.count()},
            {"key_released_ms", t.key_released.count()},
            {"container_created_ms", t.container_created.count()},
            {"container_started_ms", t.container_started.count()},
            {"first_output_ms", t.first_output.count()},
            {"exited_ms", t.exited.count()},
            {"torn_down_ms", t.torn_down.count()}};
  return j.dump() + "\n";
}

int RunPodCommand(const PodCommandOptions& o) {
  auto fail = [](const Error& e) {
    std::fprintf(stderr, "cocoon run: %s\n", e.message().c_str());
    return kRunFailed;
  };
  if (auto st = CheckPodRunOptions(o.run); !st) {
    std::fprintf(stderr, "cocoon run: %s\n", st.error().message().c_str());
    return 2;
  }
  auto config = BuildPodConfig(o.run, [](const std::string& warning) {
    std::fprintf(stderr, "cocoon run: WARNING: %s\n", warning.c_str());
  });
  if (!config) return fail(config.error());
  PodSpec& spec = config->spec;
  if (!o.quiet) PrintStep(config->agent_policy_step);
  if (auto st = AddGuestImage(o, spec); !st) return fail(st.error());

  std::unique_ptr<Vtpm> vtpm;
  if (o.run.vtpm) {
    auto v = Vtpm::Start({.state_dir = o.run.vtpm_state});
    if (!v) return fail(v.error());
    vtpm = std::move(*v);
    spec.vtpm_socket = vtpm->socket();
    if (!o.quiet) {
      PrintStep(o.run.vtpm_state.empty()
                    ? std::string("vTPM: fresh state (its AK is new, so a KBS that trusts only "
                                  "enrolled AKs refuses it; --vtpm-state DIR keeps one)")
                    : "vTPM: state " + o.run.vtpm_state + " (AK: cocoon vtpm ak --state " +
                          o.run.vtpm_state + ")");
    }
  }
  QemuHypervisor qemu(DetectHostCaps());
  InterruptGuard interrupts;
  PodCallbacks cb;
  if (!o.quiet) cb.step = PrintStep;
  cb.out = [](std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
  };
  cb.err = [](std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stderr);
    std::fflush(stderr);
  };
  cb.vm_started = [&interrupts](pid_t pid) { interrupts.VmStarted(pid); };
  PodTimings timings;
  auto code = RunPod(qemu, spec, cb, &timings);
  if (!o.timings.empty()) std::ofstream(o.timings, std::ios::trunc) << TimingsJson(timings);
  if (interrupts.signal() != 0) {
    std::fprintf(stderr, "cocoon run: interrupted by signal %d; the pod VM was stopped\n",
                 interrupts.signal());
    return 128 + interrupts.signal();
  }
  if (!code) return fail(code.error());
  return *code;
}

}  // namespace cocoon::runtime
