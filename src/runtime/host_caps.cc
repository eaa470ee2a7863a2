// Host probing for the QEMU launcher. Inputs are the local kernel's files and CPUID.
#include "runtime/host_caps.h"

#include <cpuid.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace cocoon::runtime {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The first line of /proc/cpuinfo starting with `key`, after the colon.
std::string CpuInfoField(const std::string& cpuinfo, std::string_view key) {
  std::istringstream in(cpuinfo);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(key)) continue;
    auto colon = line.find(':');
    return colon == std::string::npos ? "" : line.substr(colon + 1);
  }
  return "";
}

bool HasFlag(const std::string& flags, std::string_view flag) {
  std::istringstream in(flags);
  for (std::string f; in >> f;) {
    if (f == flag) return true;
  }
  return false;
}

// `path` (absolute) under `root`.
std::string Under(const std::string& root, std::string_view path) {
  if (root.empty() || root == "/") return std::string(path);
  return root + std::string(path);
}

// KVM_GET_API_VERSION of the device at `path`, or -1.
int KvmApiVersion(const std::string& path, int* open_errno) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *open_errno = errno;
    return -1;
  }
  int version = ioctl(fd, KVM_GET_API_VERSION, 0);
  close(fd);
  return version;
}

}  // namespace

KvmProbe ProbeKvm(const KvmProbeInputs& in) {
  KvmProbe p;
  std::error_code ec;
  std::string dev = Under(in.root, "/dev/kvm");
  p.present = std::filesystem::exists(dev, ec);
  int version = -1;
  if (!p.present) {
    p.open_errno = ENOENT;
  } else if (!in.api_version) {
    version = KvmApiVersion(dev, &p.open_errno);
  } else if (access(dev.c_str(), R_OK | W_OK) != 0) {
    p.open_errno = errno;
  } else {
    version = *in.api_version;
  }
  if (p.open_errno != 0) {
    p.reason = std::string("/dev/kvm: ") + std::strerror(p.open_errno);
    return p;
  }
  if (version != KVM_API_VERSION) {
    p.reason = "/dev/kvm: KVM_GET_API_VERSION returned " + std::to_string(version) + ", expected " +
               std::to_string(KVM_API_VERSION);
    return p;
  }
  if (std::filesystem::exists(Under(in.root, "/sys/module/kvm_pvm"), ec)) {
    p.pvm = true;
    p.reason =
        "/dev/kvm is PVM (module kvm_pvm loaded): a stock guest kernel does not boot under it";
    return p;
  }
  std::string flags = CpuInfoField(ReadText(Under(in.root, "/proc/cpuinfo")), "flags");
  const char* hw = HasFlag(flags, "vmx") ? "vmx" : HasFlag(flags, "svm") ? "svm" : nullptr;
  if (hw == nullptr) {
    p.reason = "/dev/kvm present but the CPU has no vmx/svm flag";
    return p;
  }
  p.usable = true;
  p.reason = std::string("/dev/kvm: KVM API 12, ") + hw;
  return p;
}

namespace {

// "<number> MHz" after `marker` in `text` (last occurrence), in kHz; 0 if absent.
uint32_t MhzAfter(const std::string& text, std::string_view marker) {
  auto pos = text.rfind(marker);
  if (pos == std::string::npos) return 0;
  double mhz = std::strtod(text.c_str() + pos + marker.size(), nullptr);
  return mhz > 0 && mhz < 1e5 ? static_cast<uint32_t>(mhz * 1000 + 0.5) : 0;
}

// The kernel's own TSC calibration from the ring buffer, else /proc/cpuinfo's "cpu MHz".
uint32_t HostTscKhz(const std::string& cpuinfo) {
  int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, nullptr, 0);
  if (size > 0) {
    std::vector<char> buf(static_cast<size_t>(size));
    int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf.data(), size);
    if (n > 0) {
      std::string log(buf.data(), static_cast<size_t>(n));
      uint32_t refined = MhzAfter(log, "tsc: Refined TSC clocksource calibration: ");
      if (refined != 0) return refined;
      uint32_t detected = MhzAfter(log, "tsc: Detected ");
      if (detected != 0) return detected;
    }
  }
  return MhzAfter(cpuinfo, "cpu MHz\t\t: ");
}

uint32_t SevCbitPos() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0x80000000, &eax, &ebx, &ecx, &edx) == 0 || eax < 0x8000001F) return 51;
  __get_cpuid(0x8000001F, &eax, &ebx, &ecx, &edx);
  return (eax & 0x2) != 0 ? (ebx & 0x3f) : 51;  // EAX bit 1: SEV supported
}

std::string FindInPath(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::istringstream in(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(in, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + std::string(name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace

HostCaps DetectHostCaps() {
  HostCaps caps;
  std::string cpuinfo = ReadText("/proc/cpuinfo");
  KvmProbe kvm = ProbeKvm({});
  caps.kvm_usable = kvm.usable;
  caps.kvm_reason = kvm.reason;
  caps.tsc_khz = HostTscKhz(cpuinfo);
  caps.sev_cbitpos = SevCbitPos();
  caps.qemu_binary = FindInPath("qemu-system-x86_64");
  return caps;
}

Result<Accel> ChooseAccel(Accel requested, Tee tee, const HostCaps& caps) {
  if (tee != Tee::kNone) {
    if (requested == Accel::kTcg) {
      return InvalidArgument(std::string(TeeName(tee)) + " needs KVM, not TCG");
    }
    if (requested == Accel::kAuto && !caps.kvm_usable) {
      return FailedPrecondition(std::string(TeeName(tee)) + " needs KVM: " + caps.kvm_reason);
    }
    return Accel::kKvm;
  }
  if (requested != Accel::kAuto) return requested;
  return caps.kvm_usable ? Accel::kKvm : Accel::kTcg;
}

Result<Machine> ChooseMachine(Machine requested, Tee tee) {
  if (tee == Tee::kNone) return requested == Machine::kAuto ? Machine::kMicrovm : requested;
  if (requested == Machine::kMicrovm) {
    return InvalidArgument(std::string(TeeName(tee)) + " needs the q35 machine (OVMF)");
  }
  return Machine::kQ35;
}

}  // namespace cocoon::runtime
