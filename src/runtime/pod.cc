// RunPod (see pod.h): the host's side of the four steps. The guest does the confidential work
// (attest, keys, pull, verify, decrypt, unpack, run); the host boots it, asks, streams and
// reports what the guest prints on its console.
#include "runtime/pod.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "podproto/podproto.h"
#include "runtime/agent_client.h"
#include "runtime/console_lines.h"

namespace cocoon::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Follows the VM's console log: step lines go to the callback (and the timings), the last
// lines are kept for error reports.
class ConsoleTail {
 public:
  ConsoleTail(std::string path, std::function<void(std::string_view)> on_step)
      : path_(std::move(path)), on_step_(std::move(on_step)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~ConsoleTail() { Stop(); }

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

}  // namespace

Result<int> RunPod(Hypervisor& hypervisor, const PodSpec& spec, const PodCallbacks& cb,
                   PodTimings* timings) {
  PodTimings local;
  PodTimings& t = timings ? *timings : local;
  const auto t0 = Clock::now();
  auto since = [t0] { return std::chrono::duration_cast<milliseconds>(Clock::now() - t0); };
  std::mutex step_mu;  // steps come from the console thread and this one
  auto step = [&](std::string_view line) {
    std::lock_guard lock(step_mu);
    auto kind = podproto::StepOf(line);
    if (kind == podproto::Step::kAttestation && t.attested.count() == 0) t.attested = since();
    if (kind == podproto::Step::kKeyReleased && t.key_released.count() == 0) {
      t.key_released = since();
    }
    if (cb.step) cb.step(line);
  };

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
  auto vm_or = hypervisor.Start(vc);
  if (!vm_or) return std::unexpected(vm_or.error().WithContext("starting the pod VM"));
  std::unique_ptr<Vm> vm = std::move(*vm_or);
  t.vm_started = since();
  if (cb.vm_started) cb.vm_started(vm->pid());
  step("pod VM started (QEMU pid " + std::to_string(vm->pid()) + ")");
  ConsoleTail console(vm->console_log_path(), step);

  // Every failure below says what the VM was doing and, if it died, how, with its console.
  auto fail = [&](const Error& e, std::string_view stage) -> Result<int> {
    std::string msg = std::string(stage) + ": " + e.message();
    if (auto status = vm->Wait(milliseconds(200)); status) {
      msg = std::string(stage) + ": the pod VM exited (status " + std::to_string(*status) + ")";
    }
    (void)vm->Stop(milliseconds(2000));
    console.Stop();
    std::string tail = console.ForFailure(15);
    if (!tail.empty()) msg += "\nlast console lines:\n" + tail;
    t.torn_down = since();
    return std::unexpected(Error(e.code(), msg));
  };

  auto fd = vm->ConnectChannel(spec.agent_timeout);
  if (!fd) return fail(fd.error(), "connecting to the agent");
  AgentTimeouts at;
  at.call = spec.agent_timeout;
  at.create_container = spec.create_timeout;
  AgentClient agent(std::make_unique<net::ttrpc::Client>(*fd), at);
  auto serving = agent.Check();
  if (!serving) return fail(serving.error(), "waiting for the agent");
  if (!*serving) return fail(Unavailable("agent is not serving").error(), "waiting for the agent");
  t.agent_ready = since();
  step("agent ready");

  ::grpc::CreateSandboxRequest sandbox;
  sandbox.set_registry_auth(spec.registry_auth);
  if (auto st = agent.CreateSandbox(sandbox); !st) return fail(st.error(), "CreateSandbox");
  auto request = AgentClient::GuestPullRequest(spec.container_id, spec.image, spec.args);
  if (auto st = agent.CreateContainer(request); !st) {
    return fail(st.error(), "CreateContainer " + spec.image);
  }
  t.container_created = since();
  if (auto st = agent.StartContainer(spec.container_id); !st) {
    return fail(st.error(), "StartContainer");
  }
  t.container_started = since();
  step(podproto::StepLine(podproto::Step::kContainerStarted, ""));

  // stdout and stderr stream concurrently over the one connection; the exit status follows.
  std::mutex out_mu;
  std::optional<Error> stream_error;
  auto pump = [&](bool err) {
    while (true) {
      auto chunk =
          err ? agent.ReadStderr(spec.container_id, "") : agent.ReadStdout(spec.container_id, "");
      std::lock_guard lock(out_mu);
      if (!chunk) {
        if (!stream_error) stream_error = chunk.error();
        return;
      }
      if (chunk->empty()) return;
      if (t.first_output.count() == 0) t.first_output = since();
      if (err ? bool(cb.err) : bool(cb.out)) (err ? cb.err : cb.out)(*chunk);
    }
  };
  std::thread err_thread(pump, true);
  pump(false);
  err_thread.join();
  if (stream_error) return fail(*stream_error, "reading the container's output");
  auto code = agent.WaitProcess(spec.container_id, "");
  if (!code) return fail(code.error(), "waiting for the container");
  t.exited = since();
  step("container exited with status " + std::to_string(*code));

  (void)agent.RemoveContainer(spec.container_id);
  (void)agent.DestroySandbox();
  (void)vm->Stop(milliseconds(2000));
  console.Stop();
  t.torn_down = since();
  return *code;
}

}  // namespace cocoon::runtime
