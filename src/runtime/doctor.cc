// The doctor's checks of the tools and caches `cocoon run` and `cocoon demo` use, and the order
// they are reported in. Reads the filesystem under DoctorInputs and runs `--version` of tools.
#include "runtime/doctor.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "runtime/guest_image.h"
#include "runtime/host_caps.h"
#include "runtime/internal/doctor_checks.h"
#include "runtime/internal/doctor_probe.h"

namespace cocoon::runtime {
namespace {

namespace fs = std::filesystem;
using internal::Under;

bool IsFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

DoctorCheck Missing(std::string name, std::string what, std::string advice, bool required) {
  return {std::move(name), CheckStatus::kMissing, std::move(what), std::move(advice), required};
}

DoctorCheck CheckQemu(const DoctorInputs& in, internal::Version* version) {
  std::string bin = internal::FindProgram(in.root, in.path, "qemu-system-x86_64");
  if (bin.empty()) {
    return Missing("qemu", "qemu-system-x86_64 not found: pod VMs cannot start",
                   "install qemu-system-x86 (scripts/setup does)", true);
  }
  std::string line = internal::ToolVersionLine(bin);
  *version = internal::ParseVersionAfter(line, "version ");
  DoctorCheck c{.name = "qemu", .required = true};
  if (version->major == 0) {
    c.status = CheckStatus::kMissing;
    c.what = bin + " does not report a version (" + (line.empty() ? "it did not run" : line) + ")";
    c.advice = "reinstall qemu-system-x86";
    return c;
  }
  c.what = "QEMU " + std::to_string(version->major) + "." + std::to_string(version->minor) + "." +
           std::to_string(version->patch) + " (" + bin + ")";
  if (!version->AtLeast(7, 2)) {
    c.status = CheckStatus::kWarn;
    c.advice =
        "cocoon is tested with QEMU 7.2 and later (microvm, PVH boot); upgrade if boots fail";
  }
  return c;
}

std::string KvmAdvice(const KvmProbe& kvm) {
  if (kvm.pvm) {
    return "nothing to do for the demo; for KVM speed use bare metal or a cloud VM with nested "
           "virtualisation (VMX/SVM), not PVM";
  }
  if (kvm.open_errno == EACCES) {
    return "add yourself to group kvm (sudo usermod -aG kvm $USER) and log in again";
  }
  if (!kvm.present) {
    return "enable VT-x/AMD-V in the firmware and load kvm_intel or kvm_amd; in a cloud VM pick "
           "an instance type with nested virtualisation";
  }
  return "enable VT-x/AMD-V in the firmware";
}

DoctorCheck CheckKvm(const KvmProbe& kvm) {
  DoctorCheck c{.name = "kvm"};
  if (kvm.usable) {
    c.what = kvm.reason + ": pod VMs run with hardware virtualisation";
    return c;
  }
  c.status = CheckStatus::kWarn;
  c.what = kvm.reason + ": pod VMs run under TCG (software emulation, slower; no SEV-SNP/TDX)";
  c.advice = KvmAdvice(kvm);
  return c;
}

DoctorCheck CheckCocoonBinaries(const DoctorInputs& in) {
  std::string missing;
  for (const char* name : {"cocoon-kbs", "cocoon-agent"}) {
    if (!IsFile(in.bin_dir + "/" + name))
      missing += std::string(missing.empty() ? "" : ", ") + name;
  }
  if (missing.empty()) {
    return {"cocoon", CheckStatus::kOk, "cocoon-kbs and cocoon-agent in " + in.bin_dir, "", true};
  }
  return Missing("cocoon", missing + " not found next to cocoon in " + in.bin_dir,
                 "build them: cmake --build build --target cocoon-kbs cocoon-agent", true);
}

// A tool cocoon starts by its Debian path.
DoctorCheck CheckDebianTool(const DoctorInputs& in, std::string name, std::string_view path,
                            std::string use, std::string package, bool required) {
  if (IsFile(Under(in.root, path))) {
    return {std::move(name), CheckStatus::kOk, std::string(path) + " (" + use + ")", "", required};
  }
  return Missing(std::move(name), std::string(path) + " not found: " + use,
                 "apt-get install " + package + " (scripts/setup does)", required);
}

DoctorCheck CheckGuestImage(const DoctorInputs& in, bool* built) {
  DoctorCheck c{.name = "guest-image", .status = CheckStatus::kWarn};
  auto dir = GuestImageDir(in.bin_dir + "/cocoon-agent", in.cache_dir + "/guest");
  if (!dir) {
    c.what = "cannot tell which guest image cocoon run uses: " + dir.error().message();
    c.advice = "build cocoon-agent (see the cocoon line)";
    return c;
  }
  *built = FindGuestImage(*dir).has_value();
  if (*built) {
    c.status = CheckStatus::kOk;
    c.what = "built for this cocoon-agent: " + *dir;
    return c;
  }
  c.what = "not built yet: the first cocoon run builds it into " + *dir + " (about a minute)";
  return c;
}

DoctorCheck CheckGuestPackages(const DoctorInputs& in, bool guest_built) {
  GuestImageSpec spec;
  auto st = UseDebDir(in.deb_cache_dir, spec);
  if (!st) {
    return Missing("guest-packages", st.error().message(),
                   "run scripts/setup: it downloads the kernel, busybox-static and crun packages "
                   "into " +
                       in.deb_cache_dir,
                   !guest_built);
  }
  std::string what = fs::path(spec.kernel_deb).filename().string();
  what += spec.busybox_deb.empty() ? ", host busybox" : ", busybox-static";
  what += spec.crun_deb.empty() ? ", host crun" : ", crun";
  return {"guest-packages", CheckStatus::kOk, what + " in " + in.deb_cache_dir, "", !guest_built};
}

DoctorCheck CheckKernelCache(const DoctorInputs& in) {
  std::string dir = in.cache_dir + "/kernel";
  std::error_code ec;
  if (fs::file_size(dir + "/vmlinux", ec) > 0 && !ec && fs::is_directory(dir + "/modules", ec)) {
    return {"kernel-cache", CheckStatus::kOk, "guest kernel for the VM tests in " + dir, ""};
  }
  return {"kernel-cache", CheckStatus::kWarn,
          "no guest kernel in " + dir + " (only the VM tests use it; cocoon run does not)",
          "run scripts/setup (with the same COCOON_CACHE)"};
}

DoctorCheck CheckSkopeo(const DoctorInputs& in) {
  std::string bin = internal::FindProgram(in.root, in.path, "skopeo");
  if (bin.empty()) {
    return Missing("skopeo", "skopeo not found (the docs and tests copy images with it)",
                   "apt-get install skopeo (cocoon itself does not need it)", false);
  }
  std::string version = internal::ToolVersionLine(bin);
  return {"skopeo", CheckStatus::kOk, version.empty() ? bin : version, ""};
}

DoctorCheck CheckDisk(const DoctorInputs& in) {
  std::string where;
  uint64_t free = internal::FreeBytes(in.cache_dir, &where);
  DoctorCheck c{.name = "disk", .required = true};
  c.what =
      internal::HumanBytes(free) + " free for the cache (" + in.cache_dir + ", on " + where + ")";
  if (free < in.min_free_bytes) {
    c.status = CheckStatus::kMissing;
    c.advice = "free at least " + internal::HumanBytes(in.min_free_bytes) +
               " there, or point COCOON_CACHE at a larger disk";
  } else if (free < in.warn_free_bytes) {
    c.status = CheckStatus::kWarn;
    c.advice = "each rebuilt cocoon-agent adds a guest image there; remove old ones in " +
               in.cache_dir + "/guest";
  }
  return c;
}

std::string CacheDirFromEnvironment() {
  if (const char* c = std::getenv("COCOON_CACHE"); c != nullptr && *c != '\0') return c;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') {
    return std::string(x) + "/cocoon";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/root") + "/.cache/cocoon";
}

}  // namespace

DoctorInputs DoctorInputs::FromEnvironment(const std::string& self) {
  DoctorInputs in;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) in.path.push_back(dir);
  in.cache_dir = CacheDirFromEnvironment();
  in.deb_cache_dir = DefaultDebCacheDir();
  in.bin_dir = fs::path(self).parent_path().string();
  return in;
}

DoctorReport RunDoctor(const DoctorInputs& in) {
  DoctorReport r;
  KvmProbe kvm = ProbeKvm({.root = in.root, .api_version = in.kvm_api_version});
  r.accel = kvm.usable ? Accel::kKvm : Accel::kTcg;
  internal::Version qemu;
  bool guest_built = false;
  r.checks.push_back(CheckQemu(in, &qemu));
  r.checks.push_back(CheckKvm(kvm));
  r.checks.push_back(CheckCocoonBinaries(in));
  r.checks.push_back(CheckDebianTool(in, "docker-registry", "/usr/bin/docker-registry",
                                     "the registry cocoon demo starts", "docker-registry", true));
  DoctorCheck guest = CheckGuestImage(in, &guest_built);
  r.checks.push_back(CheckGuestPackages(in, guest_built));
  r.checks.push_back(CheckDebianTool(in, "crun", "/usr/bin/crun",
                                     "the guest image takes crun's shared libraries from this host",
                                     "crun", !guest_built));
  r.checks.push_back(std::move(guest));
  r.checks.push_back(CheckDisk(in));
  r.checks.push_back(CheckDebianTool(in, "swtpm", "/usr/bin/swtpm",
                                     "cocoon run --vtpm (a software TPM for the pod VM)",
                                     "swtpm swtpm-tools", false));
  r.checks.push_back(CheckSkopeo(in));
  r.checks.push_back(CheckKernelCache(in));
  r.checks.push_back(internal::CheckOvmf(in));
  r.checks.push_back(internal::CheckSevSnp(in, kvm, qemu));
  r.checks.push_back(internal::CheckTdx(in, kvm, qemu));
  if (auto c = internal::CheckContainerd(in)) r.checks.push_back(std::move(*c));
  r.demo_can_run = true;
  for (const auto& c : r.checks) {
    if (c.required && c.status == CheckStatus::kMissing) r.demo_can_run = false;
  }
  return r;
}

}  // namespace cocoon::runtime
