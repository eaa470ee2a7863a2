// What this host can run: whether KVM can boot a stock guest kernel, the TSC rate for TCG
// guests, the SEV C-bit position and the QEMU binary. Reads /dev/kvm, /sys, /proc and CPUID.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/error.h"
#include "runtime/hypervisor.h"

namespace cocoon::runtime {

struct HostCaps {
  bool kvm_usable = false;
  std::string kvm_reason;     // why KVM is (not) usable, for logs and errors
  uint32_t tsc_khz = 0;       // host TSC rate (TCG guests see it); 0: unknown
  uint32_t sev_cbitpos = 51;  // CPUID 0x8000001F EBX[5:0] on AMD hosts; 51 otherwise
  std::string qemu_binary;    // absolute path of qemu-system-x86_64; empty: not installed
};

// What ProbeKvm reads: files under `root` (the real "/" or a test's directory standing for it).
struct KvmProbeInputs {
  std::string root = "/";
  // KVM_GET_API_VERSION's answer; unset: ask <root>/dev/kvm (a test's fake device is a plain file).
  std::optional<int> api_version{};
};

struct KvmProbe {
  bool usable = false;
  bool present = false;  // /dev/kvm exists
  bool pvm = false;      // module kvm_pvm is loaded
  int open_errno = 0;    // why /dev/kvm did not open read-write (EACCES: not in group kvm)
  std::string reason;    // the same in words, for logs and errors
};

// Whether KVM can boot a stock guest kernel: /dev/kvm opens read-write, reports API version 12,
// is not PVM (module kvm_pvm: a stock kernel does not boot under it) and the CPU has hardware
// virtualisation (vmx or svm in /proc/cpuinfo). Never fails.
KvmProbe ProbeKvm(const KvmProbeInputs& in);

// Probes the host. KVM counts as usable only if /dev/kvm opens read-write, reports API
// version 12, is not PVM (module kvm_pvm: a stock kernel does not boot under it) and the CPU
// has hardware virtualisation (vmx or svm in /proc/cpuinfo). Never fails: what it cannot
// find is reported in the fields.
HostCaps DetectHostCaps();

// The accelerator to use. kAuto picks KVM when usable, else TCG (SEV-SNP/TDX need KVM:
// FailedPrecondition naming caps.kvm_reason). An explicit choice overrides detection, except
// that a TEE with TCG is InvalidArgument.
Result<Accel> ChooseAccel(Accel requested, Tee tee, const HostCaps& caps);

// microvm for plain VMs, q35 for SEV-SNP/TDX (OVMF); an explicit choice is kept, except that
// a TEE on microvm is InvalidArgument.
Result<Machine> ChooseMachine(Machine requested, Tee tee);

}  // namespace cocoon::runtime
