// The host side of a pod VM: what to boot (VmConfig), a running VM (Vm) and the Hypervisor
// interface that starts one (QEMU is the one implementation, runtime/qemu.h). Trusts its
// caller's config.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace cocoon::runtime {

enum class Accel { kAuto, kTcg, kKvm };
enum class Tee { kNone, kSevSnp, kTdx };
enum class Machine { kAuto, kMicrovm, kQ35 };  // auto: microvm for plain VMs, q35 for TEEs

// "auto" | "tcg" | "kvm"; "none" | "sev-snp" | "tdx"; "auto" | "microvm" | "q35".
// InvalidArgument for anything else.
Result<Accel> ParseAccel(std::string_view name);
Result<Tee> ParseTee(std::string_view name);
Result<Machine> ParseMachine(std::string_view name);
std::string_view AccelName(Accel accel);
std::string_view TeeName(Tee tee);
std::string_view MachineName(Machine machine);

// A service the guest reaches at podproto::kGuestServiceAddress:guest_port: on this host's loopback, or
// (a registry the user names) at host:host_port, connected to from this host. Each guest
// connection gets its own socat; the guest reaches nothing else.
struct ForwardedService {
  uint16_t guest_port = 0;
  uint16_t host_port = 0;
  std::string host = "127.0.0.1";  // a DNS name or IPv4 address: [A-Za-z0-9.-], not "-…"
};

struct VmConfig {
  std::string kernel;   // PVH ELF vmlinux (fastest under TCG) or bzImage
  std::string initrd;   // may be empty
  std::string cmdline;  // appended to the built-in parameters (console, panic, ...)
  uint32_t memory_mib = 256;
  uint32_t vcpus = 1;
  Accel accel = Accel::kAuto;
  Tee tee = Tee::kNone;
  Machine machine = Machine::kAuto;
  // The initdata TOML, byte for byte (its digest is over these exact bytes). Empty: none.
  // Delivered through fw_cfg (podproto::kInitDataFwCfgName); bound in SNP host-data / TDX mrconfigid.
  std::string initdata;
  std::vector<ForwardedService> services;
  std::string vtpm_socket;     // swtpm control socket (`swtpm socket --ctrl type=unixio,...`)
  std::string firmware;        // -bios: OVMF (AMDSEV.fd for SNP, OVMF.inteltdx.fd for TDX)
  std::string tdx_qgs_socket;  // TDX quote generation service; empty: vsock cid 2 port 4050
  // Sockets, console log, pidfile and the initdata file live here. The QEMU hypervisor
  // creates (and later removes) a fresh directory when this is empty.
  std::string run_dir;
  std::vector<std::string> extra_args;  // appended verbatim to the QEMU argv
  // The pod network: a tap in the pod's network namespace (an fd the hypervisor inherits) and
  // the MAC its guest NIC gets (CNI's eth0 MAC, so the bridge's tables stay right). -1: none.
  int pod_net_fd = -1;
  std::string pod_net_mac;
};

// A running VM. Destroying it stops the VM (SIGTERM, then SIGKILL to its process group) and
// removes the directory it created.
class Vm {
 public:
  virtual ~Vm() = default;
  virtual pid_t pid() const = 0;
  virtual const std::string& console_log_path() const = 0;
  // The unix socket of the agent's virtio-serial port (QEMU listens; the host connects).
  virtual const std::string& channel_socket_path() const = 0;
  // Connects to the channel socket, retrying until QEMU listens. Returns the connected fd,
  // owned by the caller. DeadlineExceeded after `timeout`; Unavailable if the VM exited.
  virtual Result<int> ConnectChannel(std::chrono::milliseconds timeout) = 0;
  // The VM's exit status (exit code, or 128+signal). DeadlineExceeded if still running.
  virtual Result<int> Wait(std::chrono::milliseconds timeout) = 0;
  // Asks the VM to stop (SIGTERM), waits up to `grace`, then kills its process group.
  // Returns its exit status. Idempotent.
  virtual Result<int> Stop(std::chrono::milliseconds grace) = 0;
};

class Hypervisor {
 public:
  virtual ~Hypervisor() = default;
  // Boots the VM and returns once the hypervisor process runs (not when the guest is up).
  // InvalidArgument for an unusable config, FailedPrecondition when the host cannot run it.
  virtual Result<std::unique_ptr<Vm>> Start(const VmConfig& config) = 0;
};

}  // namespace cocoon::runtime
