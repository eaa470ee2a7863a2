// `cocoon doctor`'s checks against fake hosts: a scratch directory stands for "/" (with shell
// scripts as the tools, plain files as /dev/kvm and sysfs), the caches and the build directory.
#include "runtime/doctor.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/json.h"
#include "runtime/guest_image.h"
#include "testutil/temp_dir.h"

namespace cocoon::runtime {
namespace {

namespace fs = std::filesystem;

class Doctor : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    in_.root = dir_.File("root");
    in_.path = {"/usr/local/bin", "/usr/bin"};
    in_.cache_dir = dir_.File("cache");
    in_.deb_cache_dir = dir_.File("debs");
    in_.bin_dir = dir_.File("build");
    in_.kvm_api_version = 12;  // what a real /dev/kvm answers
    in_.min_free_bytes = 0;
    in_.warn_free_bytes = 0;
    fs::create_directories(in_.root);
  }

  // A file at `path` (parents created).
  static void Write(const fs::path& path, const std::string& text,
                    fs::perms perms = fs::perms(0644)) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::trunc) << text;
    fs::permissions(path, perms);
  }
  // A file at `path` under the fake root.
  void Put(const std::string& path, const std::string& text, fs::perms perms = fs::perms(0644)) {
    Write(in_.root + path, text, perms);
  }
  // A tool that prints `version` for --version.
  void Tool(const std::string& path, const std::string& version) {
    Put(path, "#!/bin/sh\necho '" + version + "'\n", fs::perms(0755));
  }

  // Everything the demo needs, KVM usable, QEMU `qemu_version`.
  void HealthyHost(const std::string& qemu_version = "9.2.0") {
    Tool("/usr/bin/qemu-system-x86_64", "QEMU emulator version " + qemu_version + " (test)");
    for (const char* t : {"/usr/bin/docker-registry", "/usr/bin/crun", "/usr/bin/swtpm"}) {
      Tool(t, "1.0");
    }
    Tool("/usr/bin/skopeo", "skopeo version 1.9.3");
    Put("/dev/kvm", "");
    Put("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme vmx sse\n");
    Write(in_.bin_dir + "/cocoon-kbs", "kbs");
    Write(in_.bin_dir + "/cocoon-agent", "agent v1");
    Write(in_.deb_cache_dir + "/linux-image-6.1.0-57-amd64_6.1.192-3_amd64.deb", "");
    Write(in_.deb_cache_dir + "/busybox-static_1.35.0-4_amd64.deb", "");
    Write(in_.deb_cache_dir + "/crun_1.8.1-1_amd64.deb", "");
    Write(in_.cache_dir + "/kernel/vmlinux", "ELF");
    fs::create_directories(in_.cache_dir + "/kernel/modules");
  }

  const DoctorCheck& Find(const DoctorReport& r, const std::string& name) {
    for (const auto& c : r.checks) {
      if (c.name == name) return c;
    }
    ADD_FAILURE() << "no check " << name;
    static DoctorCheck none;
    return none;
  }

  testutil::TempDir dir_;
  DoctorInputs in_;
};

TEST_F(Doctor, HealthyKvmHost) {
  HealthyHost();
  DoctorReport r = RunDoctor(in_);
  EXPECT_TRUE(r.demo_can_run);
  EXPECT_EQ(r.accel, Accel::kKvm);
  const auto& qemu = Find(r, "qemu");
  EXPECT_EQ(qemu.status, CheckStatus::kOk);
  EXPECT_EQ(qemu.what, "QEMU 9.2.0 (" + in_.root + "/usr/bin/qemu-system-x86_64)");
  EXPECT_EQ(Find(r, "kvm").what,
            "/dev/kvm: KVM API 12, vmx: pod VMs run with hardware virtualisation");
  EXPECT_EQ(Find(r, "guest-packages").status, CheckStatus::kOk);
  EXPECT_EQ(Find(r, "guest-packages").what,
            "linux-image-6.1.0-57-amd64_6.1.192-3_amd64.deb, busybox-static, crun in " +
                in_.deb_cache_dir);
  EXPECT_EQ(Find(r, "guest-image").status, CheckStatus::kWarn);
  EXPECT_TRUE(Find(r, "guest-image").what.starts_with("not built yet: the first cocoon run"));
  EXPECT_EQ(Find(r, "kernel-cache").status, CheckStatus::kOk);
  EXPECT_EQ(Find(r, "swtpm").status, CheckStatus::kOk);
  EXPECT_EQ(Find(r, "skopeo").what, "skopeo version 1.9.3");
  EXPECT_EQ(Find(r, "sev-snp").what,
            "not an SEV-SNP host (no /dev/sev): --tee sev-snp is unavailable");
  EXPECT_EQ(Find(r, "ovmf").status, CheckStatus::kWarn);
  for (const auto& c : r.checks) EXPECT_NE(c.name, "containerd");  // only when installed
  EXPECT_TRUE(FormatDoctorText(r).ends_with("cocoon demo can run here; pod VMs use KVM\n"));
}

TEST_F(Doctor, PvmHostFallsBackToTcg) {
  HealthyHost();
  fs::create_directories(in_.root + "/sys/module/kvm_pvm");
  DoctorReport r = RunDoctor(in_);
  EXPECT_TRUE(r.demo_can_run);
  EXPECT_EQ(r.accel, Accel::kTcg);
  const auto& kvm = Find(r, "kvm");
  EXPECT_EQ(kvm.status, CheckStatus::kWarn);
  EXPECT_EQ(kvm.what,
            "/dev/kvm is PVM (module kvm_pvm loaded): a stock guest kernel does not boot under "
            "it: pod VMs run under TCG (software emulation, slower; no SEV-SNP/TDX)");
  EXPECT_TRUE(kvm.advice.starts_with("nothing to do for the demo")) << kvm.advice;
  EXPECT_TRUE(FormatDoctorText(r).ends_with("pod VMs use TCG (software emulation)\n"));
}

TEST_F(Doctor, NoKvmDevice) {
  HealthyHost();
  fs::remove(in_.root + "/dev/kvm");
  DoctorReport r = RunDoctor(in_);
  EXPECT_EQ(r.accel, Accel::kTcg);
  EXPECT_TRUE(
      Find(r, "kvm").what.starts_with("/dev/kvm: No such file or directory: pod VMs run "
                                      "under TCG"));
  EXPECT_TRUE(Find(r, "kvm").advice.starts_with("enable VT-x/AMD-V in the firmware and load"));
}

TEST_F(Doctor, EmptyHostCannotRunTheDemo) {
  DoctorReport r = RunDoctor(in_);
  EXPECT_FALSE(r.demo_can_run);
  const auto& qemu = Find(r, "qemu");
  EXPECT_EQ(qemu.status, CheckStatus::kMissing);
  EXPECT_EQ(qemu.advice, "install qemu-system-x86 (scripts/setup does)");
  EXPECT_EQ(Find(r, "docker-registry").advice,
            "apt-get install docker-registry (scripts/setup does)");
  EXPECT_EQ(Find(r, "cocoon").what,
            "cocoon-kbs, cocoon-agent not found next to cocoon in " + in_.bin_dir);
  EXPECT_EQ(Find(r, "guest-packages").status, CheckStatus::kMissing);
  EXPECT_EQ(Find(r, "swtpm").status, CheckStatus::kMissing);
  EXPECT_FALSE(Find(r, "swtpm").required);
  std::string text = FormatDoctorText(r);
  EXPECT_NE(text.find("missing  qemu             qemu-system-x86_64 not found: pod VMs cannot "
                      "start  fix: install qemu-system-x86 (scripts/setup does)\n"),
            std::string::npos)
      << text;
  EXPECT_TRUE(
      text.ends_with("cocoon demo cannot run here until these are fixed: qemu, cocoon, "
                     "docker-registry, guest-packages, crun\n"))
      << text;
}

TEST_F(Doctor, OptionalToolsMissingStillRunsTheDemo) {
  HealthyHost();
  fs::remove(in_.root + "/usr/bin/swtpm");
  fs::remove(in_.root + "/usr/bin/skopeo");
  fs::remove_all(in_.cache_dir + "/kernel");
  DoctorReport r = RunDoctor(in_);
  EXPECT_TRUE(r.demo_can_run);
  EXPECT_EQ(Find(r, "swtpm").status, CheckStatus::kMissing);
  EXPECT_EQ(Find(r, "skopeo").status, CheckStatus::kMissing);
  EXPECT_EQ(Find(r, "kernel-cache").status, CheckStatus::kWarn);
}

TEST_F(Doctor, BuiltGuestImageNeedsNoPackages) {
  HealthyHost();
  fs::remove_all(in_.deb_cache_dir);
  fs::remove(in_.root + "/usr/bin/crun");
  auto dir = GuestImageDir(in_.bin_dir + "/cocoon-agent", in_.cache_dir + "/guest");
  ASSERT_TRUE(dir) << dir.error().message();
  for (const char* f : {"/manifest.json", "/initramfs.cpio.gz", "/vmlinux"}) Write(*dir + f, "x");
  DoctorReport r = RunDoctor(in_);
  EXPECT_TRUE(r.demo_can_run);
  EXPECT_EQ(Find(r, "guest-image").what, "built for this cocoon-agent: " + *dir);
  EXPECT_EQ(Find(r, "guest-packages").status, CheckStatus::kMissing);
  EXPECT_FALSE(Find(r, "guest-packages").required);
  EXPECT_FALSE(Find(r, "crun").required);
  // A rebuilt agent gets its own image: the packages are needed again.
  Write(in_.bin_dir + "/cocoon-agent", "agent v2");
  EXPECT_FALSE(RunDoctor(in_).demo_can_run);
}

TEST_F(Doctor, SevSnpHost) {
  HealthyHost("7.2.22");
  Put("/dev/sev", "");
  Put("/sys/module/kvm_amd/parameters/sev_snp", "N\n");
  EXPECT_EQ(Find(RunDoctor(in_), "sev-snp").what, "/dev/sev present but kvm_amd sev_snp is N");
  Put("/sys/module/kvm_amd/parameters/sev_snp", "Y\n");
  auto old_qemu = Find(RunDoctor(in_), "sev-snp");
  EXPECT_EQ(old_qemu.status, CheckStatus::kWarn);
  EXPECT_EQ(old_qemu.what, "SEV-SNP host, but QEMU 7.2 has no sev-snp-guest (needs 9.1+)");
  EXPECT_EQ(old_qemu.advice, "install QEMU 9.1 or later");
  HealthyHost("9.1.0");
  Put("/usr/share/ovmf/AMDSEV.fd", "fw");
  DoctorReport r = RunDoctor(in_);
  EXPECT_EQ(Find(r, "sev-snp").status, CheckStatus::kOk);
  EXPECT_EQ(Find(r, "ovmf").what,
            "SEV-SNP: /usr/share/ovmf/AMDSEV.fd; TDX: none (pass it with --firmware)");
  fs::create_directories(in_.root + "/sys/module/kvm_pvm");  // SNP needs real KVM
  EXPECT_EQ(Find(RunDoctor(in_), "sev-snp").advice, "make KVM usable (see the kvm line)");
}

TEST_F(Doctor, TdxHost) {
  HealthyHost("9.2.0");
  fs::create_directories(in_.root + "/sys/firmware/tdx");
  Put("/sys/module/kvm_intel/parameters/tdx", "N\n");
  EXPECT_EQ(Find(RunDoctor(in_), "tdx").what, "TDX firmware present but kvm_intel tdx is off");
  Put("/sys/module/kvm_intel/parameters/tdx", "Y\n");
  EXPECT_EQ(Find(RunDoctor(in_), "tdx").what,
            "TDX host, but QEMU 9.2 has no tdx-guest (needs 10.1+)");
  HealthyHost("10.1.2");
  EXPECT_EQ(Find(RunDoctor(in_), "tdx").status, CheckStatus::kOk);
}

TEST_F(Doctor, ContainerdWhenPresent) {
  HealthyHost();
  Tool("/usr/local/bin/containerd", "containerd github.com/containerd/containerd 1.7.24");
  DoctorReport r = RunDoctor(in_);
  const auto& c = Find(r, "containerd");
  EXPECT_EQ(c.status, CheckStatus::kOk);
  EXPECT_EQ(c.what,
            "containerd github.com/containerd/containerd 1.7.24: cocoon does not plug into "
            "containerd yet (no shim); pods run with cocoon run");
}

TEST_F(Doctor, FullDiskStopsTheDemo) {
  HealthyHost();
  in_.min_free_bytes = ~uint64_t{0};
  fs::remove_all(in_.cache_dir);
  DoctorReport r = RunDoctor(in_);
  EXPECT_FALSE(r.demo_can_run);
  const auto& disk = Find(r, "disk");
  EXPECT_EQ(disk.status, CheckStatus::kMissing);
  EXPECT_TRUE(disk.what.find(" free for the cache (" + in_.cache_dir + ", on " +
                             dir_.path().string() + ")") != std::string::npos)
      << disk.what;  // the cache does not exist yet: its nearest existing parent is measured
}

TEST_F(Doctor, JsonForMachines) {
  HealthyHost();
  fs::create_directories(in_.root + "/sys/module/kvm_pvm");
  auto j = base::ParseJson(FormatDoctorJson(RunDoctor(in_)));
  ASSERT_TRUE(j) << j.error().message();
  EXPECT_EQ((*j)["demo_can_run"], true);
  EXPECT_EQ((*j)["accel"], "tcg");
  ASSERT_TRUE((*j)["checks"].is_array());
  const Json& kvm = (*j)["checks"][1];
  EXPECT_EQ(kvm["name"], "kvm");
  EXPECT_EQ(kvm["status"], "warn");
  EXPECT_EQ(kvm["required"], false);
  EXPECT_TRUE(kvm["advice"].get<std::string>().starts_with("nothing to do for the demo"));
}

}  // namespace
}  // namespace cocoon::runtime
