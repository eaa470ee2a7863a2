// The QEMU command line for a VmConfig: a pure function of the config and the host's
// capabilities, so every variant (TCG, KVM, SEV-SNP, TDX) is unit-testable without running it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "runtime/host_caps.h"
#include "runtime/hypervisor.h"

namespace cocoon::runtime {

// Files QEMU creates or reads inside VmConfig::run_dir.
struct RunPaths {
  std::string console;   // serial console log
  std::string channel;   // agent virtio-serial port (unix socket, QEMU listens)
  std::string qmp;       // QMP monitor (unix socket, QEMU listens)
  std::string pidfile;   // written by QEMU
  std::string initdata;  // the initdata TOML, served to the guest through fw_cfg
};
RunPaths PathsIn(const std::string& run_dir);

// The initdata digest as bound into a TEE field of `field_size` bytes (SNP HOSTDATA 32,
// TDX MRCONFIGID 48): the TOML's `algorithm` over its exact bytes, truncated or zero-padded to
// the field (kata-runtime-and-measurement.md §4.5). InvalidArgument for malformed TOML or an
// unknown algorithm.
Result<Bytes> InitDataBinding(std::string_view toml, size_t field_size);

// The full argv (argv[0] = caps.qemu_binary). InvalidArgument for an unusable config (no
// kernel or run_dir, TEE without firmware or on TCG, zero ports, socket paths too long),
// FailedPrecondition when QEMU is not installed or a TEE needs KVM the host lacks.
Result<std::vector<std::string>> QemuArgs(const VmConfig& config, const HostCaps& caps);

}  // namespace cocoon::runtime
