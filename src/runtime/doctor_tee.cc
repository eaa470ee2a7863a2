// The doctor's checks of SEV-SNP, TDX and OVMF support, and of containerd. Reads sysfs, /dev and
// /usr/share under the doctor's root; the requirements are those of docs/hardware-tee.md.
#include <filesystem>

#include "runtime/internal/doctor_checks.h"

namespace cocoon::runtime::internal {
namespace {

namespace fs = std::filesystem;

constexpr const char* kOvmfDirs[] = {"/usr/share/ovmf", "/usr/share/OVMF", "/usr/share/qemu"};
constexpr const char* kSnpOvmf[] = {"AMDSEV.fd", "OVMF.amdsev.fd"};
constexpr const char* kTdxOvmf[] = {"OVMF.inteltdx.fd", "OVMF.tdx.fd"};

// The first of `names` in the OVMF directories, as the host path (without the root); "" if none.
template <size_t N>
std::string FindOvmf(const DoctorInputs& in, const char* const (&names)[N]) {
  for (const char* dir : kOvmfDirs) {
    for (const char* name : names) {
      std::string path = std::string(dir) + "/" + name;
      std::error_code ec;
      if (fs::is_regular_file(Under(in.root, path), ec)) return path;
    }
  }
  return "";
}

bool Exists(const DoctorInputs& in, std::string_view path) {
  std::error_code ec;
  return fs::exists(Under(in.root, path), ec);
}

// Why a TEE host that supports `tee` still cannot launch one; "" when it can.
std::string LaunchBlocker(const KvmProbe& kvm, Version qemu, Version needed,
                          std::string_view qemu_object) {
  if (!kvm.usable) return "KVM is not usable (" + kvm.reason + ")";
  if (!qemu.AtLeast(needed.major, needed.minor)) {
    return "QEMU " + std::to_string(qemu.major) + "." + std::to_string(qemu.minor) + " has no " +
           std::string(qemu_object) + " (needs " + std::to_string(needed.major) + "." +
           std::to_string(needed.minor) + "+)";
  }
  return "";
}

}  // namespace

DoctorCheck CheckOvmf(const DoctorInputs& in) {
  DoctorCheck c{.name = "ovmf"};
  std::string snp = FindOvmf(in, kSnpOvmf);
  std::string tdx = FindOvmf(in, kTdxOvmf);
  if (snp.empty() && tdx.empty()) {
    c.status = CheckStatus::kWarn;
    c.what = "no OVMF for SEV-SNP (AMDSEV.fd) or TDX (OVMF.inteltdx.fd) in /usr/share/ovmf";
    c.advice =
        "only --tee sev-snp|tdx needs it: build AMDSEV.fd from edk2 (OvmfPkg/AmdSev) or install "
        "your vendor's TDX OVMF, then pass it with --firmware";
    return c;
  }
  c.what = "SEV-SNP: " + (snp.empty() ? std::string("none") : snp) +
           "; TDX: " + (tdx.empty() ? std::string("none") : tdx) + " (pass it with --firmware)";
  return c;
}

DoctorCheck CheckSevSnp(const DoctorInputs& in, const KvmProbe& kvm, Version qemu) {
  DoctorCheck c{.name = "sev-snp", .status = CheckStatus::kWarn};
  std::string param = ReadFirstLine(Under(in.root, "/sys/module/kvm_amd/parameters/sev_snp"));
  if (!Exists(in, "/dev/sev")) {
    c.what = "not an SEV-SNP host (no /dev/sev): --tee sev-snp is unavailable";
    c.advice = "needs an AMD EPYC host with SEV-SNP enabled in the firmware and the kernel";
    return c;
  }
  if (!SysfsOn(param)) {
    c.what = "/dev/sev present but kvm_amd sev_snp is " + (param.empty() ? "unset" : param);
    c.advice = "enable SEV-SNP in the firmware and load kvm_amd with sev_snp=1 (host kernel 6.11+)";
    return c;
  }
  if (std::string why = LaunchBlocker(kvm, qemu, {9, 1, 0}, "sev-snp-guest"); !why.empty()) {
    c.what = "SEV-SNP host, but " + why;
    c.advice = kvm.usable ? "install QEMU 9.1 or later" : "make KVM usable (see the kvm line)";
    return c;
  }
  c.status = CheckStatus::kOk;
  c.what = "SEV-SNP host: cocoon run --tee sev-snp --firmware AMDSEV.fd can launch";
  return c;
}

DoctorCheck CheckTdx(const DoctorInputs& in, const KvmProbe& kvm, Version qemu) {
  DoctorCheck c{.name = "tdx", .status = CheckStatus::kWarn};
  bool module_on = SysfsOn(ReadFirstLine(Under(in.root, "/sys/module/kvm_intel/parameters/tdx")));
  if (!module_on && !Exists(in, "/sys/firmware/tdx")) {
    c.what = "not a TDX host (no /sys/firmware/tdx, kvm_intel tdx off): --tee tdx is unavailable";
    c.advice = "needs an Intel Xeon host with TDX enabled in the firmware and the kernel";
    return c;
  }
  if (!module_on) {
    c.what = "TDX firmware present but kvm_intel tdx is off";
    c.advice = "load kvm_intel with tdx=1 (a host kernel with TDX host support)";
    return c;
  }
  if (std::string why = LaunchBlocker(kvm, qemu, {10, 1, 0}, "tdx-guest"); !why.empty()) {
    c.what = "TDX host, but " + why;
    c.advice = kvm.usable ? "install QEMU 10.1 or later (or your vendor's TDX build)"
                          : "make KVM usable (see the kvm line)";
    return c;
  }
  c.status = CheckStatus::kOk;
  c.what = "TDX host: cocoon run --tee tdx --firmware OVMF.inteltdx.fd can launch";
  return c;
}

std::optional<DoctorCheck> CheckContainerd(const DoctorInputs& in) {
  std::string bin = FindProgram(in.root, in.path, "containerd");
  if (bin.empty()) return std::nullopt;
  std::string version = ToolVersionLine(bin);
  DoctorCheck c{.name = "containerd"};
  c.what = (version.empty() ? bin : version) +
           ": cocoon does not plug into containerd yet (no shim); pods run with cocoon run";
  return c;
}

}  // namespace cocoon::runtime::internal
