// Host detection on the machine running the test: asserts what is true here (on the project's
// machines /dev/kvm is PVM, so KVM is reported unusable with that reason and TCG is chosen).
#include "runtime/host_caps.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "runtime/qemu.h"

namespace cocoon::runtime {
namespace {

TEST(HostCaps, DetectsTheTruthAboutKvmHere) {
  HostCaps caps = DetectHostCaps();
  if (access("/dev/kvm", R_OK | W_OK) != 0) {
    EXPECT_FALSE(caps.kvm_usable);
    EXPECT_TRUE(caps.kvm_reason.starts_with("/dev/kvm: ")) << caps.kvm_reason;
  } else if (std::filesystem::exists("/sys/module/kvm_pvm")) {
    EXPECT_FALSE(caps.kvm_usable);
    EXPECT_EQ(caps.kvm_reason,
              "/dev/kvm is PVM (module kvm_pvm loaded): a stock guest kernel does not boot "
              "under it");
    EXPECT_EQ(ChooseAccel(Accel::kAuto, Tee::kNone, caps), Accel::kTcg);
  } else {
    EXPECT_TRUE(caps.kvm_usable) << caps.kvm_reason;
    EXPECT_EQ(ChooseAccel(Accel::kAuto, Tee::kNone, caps), Accel::kKvm);
  }
  EXPECT_GT(caps.tsc_khz, 100000u);                            // a real TSC rate, in kHz
  EXPECT_EQ(caps.qemu_binary, "/usr/bin/qemu-system-x86_64");  // scripts/setup installs it
}

TEST(HostCaps, ChooseAccel) {
  HostCaps pvm;
  pvm.kvm_reason = "PVM";
  HostCaps kvm;
  kvm.kvm_usable = true;
  EXPECT_EQ(ChooseAccel(Accel::kAuto, Tee::kNone, pvm), Accel::kTcg);
  EXPECT_EQ(ChooseAccel(Accel::kAuto, Tee::kNone, kvm), Accel::kKvm);
  EXPECT_EQ(ChooseAccel(Accel::kKvm, Tee::kNone, pvm), Accel::kKvm);  // override wins
  EXPECT_EQ(ChooseAccel(Accel::kTcg, Tee::kNone, kvm), Accel::kTcg);
  EXPECT_EQ(ChooseAccel(Accel::kAuto, Tee::kSevSnp, kvm), Accel::kKvm);
  EXPECT_EQ(ChooseAccel(Accel::kAuto, Tee::kSevSnp, pvm).error().message(),
            "sev-snp needs KVM: PVM");
  EXPECT_EQ(ChooseAccel(Accel::kTcg, Tee::kTdx, kvm).error().code(), Code::kInvalidArgument);
}

TEST(HostCaps, ParseNames) {
  EXPECT_EQ(ParseAccel("tcg"), Accel::kTcg);
  EXPECT_EQ(ParseTee("sev-snp"), Tee::kSevSnp);
  EXPECT_EQ(ParseMachine("q35"), Machine::kQ35);
  auto bad = ParseAccel("hvf");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "unknown accel \"hvf\" (expected auto|tcg|kvm)");
  EXPECT_EQ(AccelName(Accel::kKvm), "kvm");
  EXPECT_EQ(TeeName(Tee::kTdx), "tdx");
}

}  // namespace
}  // namespace cocoon::runtime
