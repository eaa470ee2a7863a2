// One pod VM from boot to exit, as `cocoon run` drives it: start the VM, wait for the agent,
// create the sandbox, have the guest pull (attest, fetch keys, verify, decrypt, unpack) and run
// the container, stream its output, return its exit code, tear everything down. The guest's
// answers are untrusted; the VM never outlives this call.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "runtime/hypervisor.h"

namespace cocoon::runtime {

struct PodSpec {
  std::string kernel;
  std::string initrd;
  std::string initdata;  // TOML (bound to the evidence; carries the KBS URL and image policy)
  std::string image;     // as the guest names it (its registry remaps come from initdata)
  // containers auth.json for the guest's pull (only the image's registry entries): sent in
  // CreateSandbox over the agent channel, never in initdata or an argv. Empty: anonymous.
  std::string registry_auth;
  std::vector<std::string> args;  // overrides the image's command when not empty
  std::vector<ForwardedService> services;
  uint32_t memory_mib = 1024;  // the guest's root moves into a tmpfs
  uint32_t vcpus = 1;
  Accel accel = Accel::kAuto;
  Tee tee = Tee::kNone;
  std::string firmware;
  std::string vtpm_socket;  // swtpm's control socket: the guest gets a TPM (tpm-tis)
  std::string container_id = "c0";
  std::chrono::milliseconds agent_timeout{180'000};   // boot to agent ready
  std::chrono::milliseconds create_timeout{900'000};  // attest + keys + pull + unpack
};

// Wall-clock marks, from the start of RunPod (zero when the stage was not reached).
struct PodTimings {
  std::chrono::milliseconds vm_started{0};
  std::chrono::milliseconds agent_ready{0};
  std::chrono::milliseconds attested{0};           // the agent's "attestation:" step
  std::chrono::milliseconds key_released{0};       // its first "key released:" step
  std::chrono::milliseconds container_created{0};  // pull + verify + decrypt + unpack done
  std::chrono::milliseconds container_started{0};
  std::chrono::milliseconds first_output{0};
  std::chrono::milliseconds exited{0};
  std::chrono::milliseconds torn_down{0};
};

struct PodCallbacks {
  std::function<void(std::string_view)> step;  // host and guest progress lines
  std::function<void(std::string_view)> out;   // container stdout bytes
  std::function<void(std::string_view)> err;   // container stderr bytes
  std::function<void(pid_t)> vm_started;       // the hypervisor process (for signal handlers)
};

// Returns the container's exit status (its code, or 128+signal). Errors name the stage: the VM
// did not start or died (with the console's last lines), the agent did not answer, or the
// agent's CreateContainer error (KBS refused the key, signature policy, tampered layer, …).
Result<int> RunPod(Hypervisor& hypervisor, const PodSpec& spec, const PodCallbacks& callbacks,
                   PodTimings* timings = nullptr);

}  // namespace cocoon::runtime
