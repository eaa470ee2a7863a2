// QEMU argv construction. Option names and encodings follow kata's govmm (spec §4.2) and the
// platform notes (microvm + PVH under TCG, virtio-serial agent port, guestfwd via socat).
#include "runtime/qemu_args.h"

#include <sys/un.h>

#include "base/encoding.h"
#include "base/json.h"
#include "initdata/initdata.h"
#include "podproto/podproto.h"

namespace cocoon::runtime {
namespace {

constexpr size_t kSnpHostDataSize = 32;
constexpr size_t kTdxMrConfigIdSize = 48;
constexpr uint32_t kSnpGuestPolicy = 0x30000;  // SMT allowed, ABI 0.0 (kata's default)

// QEMU's QemuOpts values escape ',' by doubling it.
std::string Escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

Status CheckConfig(const VmConfig& c, const HostCaps& caps) {
  if (caps.qemu_binary.empty()) {
    return FailedPrecondition("qemu-system-x86_64 not found in PATH (install qemu-system-x86)");
  }
  if (c.kernel.empty()) return InvalidArgument("VmConfig: no kernel");
  if (c.run_dir.empty()) return InvalidArgument("VmConfig: no run_dir");
  if (c.memory_mib < 64) return InvalidArgument("VmConfig: memory_mib below 64");
  if (c.vcpus < 1 || c.vcpus > 256) return InvalidArgument("VmConfig: vcpus not in 1..256");
  for (const auto& s : c.services) {
    if (s.guest_port == 0 || s.host_port == 0) {
      return InvalidArgument("VmConfig: forwarded service with port 0");
    }
    // QEMU runs the guestfwd command through /bin/sh: only plain host names get in.
    bool plain = !s.host.empty() && s.host.size() <= 253 && s.host[0] != '-' &&
                 s.host.find_first_not_of(
                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789.-") == std::string::npos;
    if (!plain)
      return InvalidArgument("VmConfig: forwarded host '" + s.host +
                             "' is not a DNS name or IPv4 address");
  }
  if (c.tee != Tee::kNone && c.firmware.empty()) {
    return InvalidArgument(std::string(TeeName(c.tee)) + " needs firmware (OVMF) in -bios");
  }
  constexpr size_t kMaxSun = sizeof(sockaddr_un{}.sun_path) - 1;
  for (const std::string& p : {PathsIn(c.run_dir).channel, PathsIn(c.run_dir).qmp, c.vtpm_socket}) {
    if (p.size() > kMaxSun) return InvalidArgument("unix socket path too long: " + p);
  }
  return Ok();
}

std::string KernelCmdline(const VmConfig& c, Accel accel, Machine machine, const HostCaps& caps) {
  std::string out = "console=ttyS0 panic=-1 quiet";
  if (c.tee == Tee::kNone) {
    // Boot-time savings under TCG (docs/PERFORMANCE.md); not for confidential guests.
    out += " mitigations=off nokaslr cryptomgr.notests";
    // microvm has no HPET/PM timer: without the TSC rate, PIT calibration under TCG hangs.
    if (accel == Accel::kTcg && caps.tsc_khz != 0) {
      out += " tsc_early_khz=" + std::to_string(caps.tsc_khz);
    }
  }
  // microvm has no TPM2 ACPI table, so the TIS driver must probe blindly.
  if (!c.vtpm_socket.empty() && machine == Machine::kMicrovm) {
    out += " tpm_tis.force=1 tpm_tis.interrupts=0";
  }
  if (!c.cmdline.empty()) out += " " + c.cmdline;
  return out;
}

std::string TdxObject(const VmConfig& c, std::string_view mrconfigid) {
  std::string qgs = c.tdx_qgs_socket.empty()
                        ? R"({"type":"vsock","cid":"2","port":"4050"})"
                        : R"({"type":"unix","path":)" + Json(c.tdx_qgs_socket).dump() + "}";
  std::string out = R"({"qom-type":"tdx-guest","id":"tdx")";
  if (!mrconfigid.empty()) out += R"(,"mrconfigid":")" + std::string(mrconfigid) + "\"";
  return out + R"(,"quote-generation-socket":)" + qgs + "}";
}

// -machine plus, for TEEs, the confidential-guest objects and firmware.
Result<std::vector<std::string>> MachineArgs(const VmConfig& c, Accel accel, Machine machine,
                                             const HostCaps& caps) {
  std::string m = std::string(MachineName(machine)) + ",accel=" + std::string(AccelName(accel));
  std::vector<std::string> out;
  if (c.tee == Tee::kNone) {
    out = {"-machine", m};
    if (accel == Accel::kKvm) out.insert(out.end(), {"-cpu", "host"});
    return out;
  }
  std::string id = c.tee == Tee::kSevSnp ? "snp" : "tdx";
  m += ",kernel_irqchip=split,confidential-guest-support=" + id + ",memory-backend=ram0";
  out = {"-machine", m,
         "-cpu",     "host",
         "-object",  "memory-backend-memfd,id=ram0,size=" + std::to_string(c.memory_mib) + "M"};
  std::string digest_b64;
  size_t field = c.tee == Tee::kSevSnp ? kSnpHostDataSize : kTdxMrConfigIdSize;
  if (!c.initdata.empty()) {
    ASSIGN_OR_RETURN(Bytes digest, InitDataBinding(c.initdata, field));
    digest_b64 = base::Base64Encode(digest);
  }
  if (c.tee == Tee::kSevSnp) {
    std::string obj =
        "sev-snp-guest,id=snp,cbitpos=" + std::to_string(caps.sev_cbitpos) +
        ",reduced-phys-bits=1,kernel-hashes=on,policy=" + std::to_string(kSnpGuestPolicy);
    if (!digest_b64.empty()) obj += ",host-data=" + digest_b64;
    out.insert(out.end(), {"-object", obj});
  } else {
    out.insert(out.end(), {"-object", TdxObject(c, digest_b64)});
  }
  out.insert(out.end(), {"-bios", c.firmware});
  return out;
}

void AddDevices(const VmConfig& c, Machine machine, const RunPaths& paths,
                std::vector<std::string>* out) {
  bool pci = machine == Machine::kQ35;
  std::string netdev = "user,id=n0,restrict=on";
  for (const auto& s : c.services) {
    netdev += ",guestfwd=tcp:" + std::string(podproto::kGuestServiceAddress) + ":" +
              std::to_string(s.guest_port) + "-cmd:socat - TCP:" + s.host + ":" +
              std::to_string(s.host_port);
  }
  out->insert(
      out->end(),
      {"-chardev", "file,id=console,path=" + Escape(paths.console), "-serial", "chardev:console",
       "-device", pci ? "virtio-serial-pci" : "virtio-serial-device", "-chardev",
       "socket,id=agent,path=" + Escape(paths.channel) + ",server=on,wait=off", "-device",
       "virtserialport,chardev=agent,name=" + std::string(podproto::kAgentPortName), "-netdev",
       netdev, "-device",
       std::string(pci ? "virtio-net-pci" : "virtio-net-device") + ",netdev=n0"});
  if (c.pod_net_fd >= 0) {
    out->insert(out->end(),
                {"-netdev", "tap,id=pod,fd=" + std::to_string(c.pod_net_fd), "-device",
                 std::string(pci ? "virtio-net-pci" : "virtio-net-device") + ",netdev=pod,mac=" +
                     Escape(c.pod_net_mac)});
  }
  if (!c.initdata.empty()) {
    out->insert(out->end(), {"-fw_cfg", "name=" + std::string(podproto::kInitDataFwCfgName) +
                                            ",file=" + Escape(paths.initdata)});
  }
  if (!c.vtpm_socket.empty()) {
    out->insert(out->end(), {"-chardev", "socket,id=chrtpm,path=" + Escape(c.vtpm_socket),
                             "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device",
                             std::string(pci ? "tpm-crb" : "tpm-tis") + ",tpmdev=tpm0"});
  }
}

}  // namespace

RunPaths PathsIn(const std::string& run_dir) {
  return {run_dir + "/console.log", run_dir + "/agent.sock", run_dir + "/qmp.sock",
          run_dir + "/qemu.pid", run_dir + "/initdata.toml"};
}

Result<Bytes> InitDataBinding(std::string_view toml, size_t field_size) {
  ASSIGN_OR_RETURN(initdata::InitDataDigest d,
                   initdata::DigestInitData({"toml", std::string(toml)}));
  Bytes out = std::move(d.digest);
  out.resize(field_size, 0);
  return out;
}

Result<std::vector<std::string>> QemuArgs(const VmConfig& c, const HostCaps& caps) {
  TRY(CheckConfig(c, caps));
  ASSIGN_OR_RETURN(Accel accel, ChooseAccel(c.accel, c.tee, caps));
  ASSIGN_OR_RETURN(Machine machine, ChooseMachine(c.machine, c.tee));
  RunPaths paths = PathsIn(c.run_dir);
  std::vector<std::string> out = {caps.qemu_binary, "-name", "cocoon"};
  ASSIGN_OR_RETURN(std::vector<std::string> machine_args, MachineArgs(c, accel, machine, caps));
  out.insert(out.end(), machine_args.begin(), machine_args.end());
  out.insert(out.end(),
             {"-m", std::to_string(c.memory_mib), "-smp", std::to_string(c.vcpus), "-nographic",
              "-nodefaults", "-no-user-config", "-no-reboot", "-kernel", c.kernel});
  if (!c.initrd.empty()) out.insert(out.end(), {"-initrd", c.initrd});
  out.insert(out.end(), {"-append", KernelCmdline(c, accel, machine, caps)});
  AddDevices(c, machine, paths, &out);
  out.insert(out.end(), {"-qmp", "unix:" + Escape(paths.qmp) + ",server=on,wait=off", "-pidfile",
                         paths.pidfile});
  out.insert(out.end(), c.extra_args.begin(), c.extra_args.end());
  return out;
}

}  // namespace cocoon::runtime
