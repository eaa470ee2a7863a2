// RunPod (see pod.h): the host's side of the four steps. The guest does the confidential work
// (attest, keys, pull, verify, decrypt, unpack, run); the host boots it (runtime/pod_vm.h),
// asks, streams and reports what the guest prints on its console.
#include "runtime/pod.h"

#include <mutex>
#include <optional>
#include <thread>

#include "podproto/podproto.h"
#include "runtime/agent_client.h"
#include "runtime/pod_vm.h"

namespace cocoon::runtime {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Result<int> RunPod(Hypervisor& hypervisor, const PodSpec& spec, const PodCallbacks& cb,
                   PodTimings* timings) {
  PodTimings local;
  PodTimings& t = timings ? *timings : local;
  const auto t0 = Clock::now();
  auto at = [t0](Clock::time_point p) { return std::chrono::duration_cast<milliseconds>(p - t0); };
  auto since = [&] { return at(Clock::now()); };
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

  PodVmSpec vs;
  vs.kernel = spec.kernel;
  vs.initrd = spec.initrd;
  vs.initdata = spec.initdata;
  vs.registry_auth = spec.registry_auth;
  vs.services = spec.services;
  vs.memory_mib = spec.memory_mib;
  vs.vcpus = spec.vcpus;
  vs.accel = spec.accel;
  vs.tee = spec.tee;
  vs.firmware = spec.firmware;
  vs.vtpm_socket = spec.vtpm_socket;
  vs.agent_timeout = spec.agent_timeout;
  vs.create_timeout = spec.create_timeout;
  auto booted = PodVm::Boot(hypervisor, vs, {.step = step, .vm_started = cb.vm_started});
  if (!booted) {
    t.torn_down = since();
    return std::unexpected(booted.error());
  }
  PodVm& pod = **booted;
  t.vm_started = at(pod.vm_started_at());
  t.agent_ready = at(pod.agent_ready_at());
  AgentClient& agent = pod.agent();

  // Every failure below says what the VM was doing and, if it died, how, with its console.
  auto fail = [&](const Error& e, std::string_view stage) -> Result<int> {
    Error described = pod.Describe(e, stage);
    (void)pod.Shutdown(milliseconds(2000));
    t.torn_down = since();
    return std::unexpected(described);
  };

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
  (void)pod.Shutdown(milliseconds(2000));
  t.torn_down = since();
  return *code;
}

}  // namespace cocoon::runtime
