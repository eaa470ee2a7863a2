// `cocoon doctor` on this machine, through the built binary: what it says must be the truth here
// (scripts/setup has run; /dev/kvm may be PVM), and a host without tools must fail with advice.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "base/json.h"
#include "runtime/host_caps.h"
#include "tests/harness.h"

namespace cocoon {
namespace {

using harness::BinaryPath;

const Json* Check(const Json& report, const std::string& name) {
  for (const Json& c : report["checks"]) {
    if (c["name"] == name) return &c;
  }
  return nullptr;
}

TEST(DoctorCli, ThisMachineCanRunTheDemo) {
  auto r = harness::Run({BinaryPath("cocoon"), "doctor", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto report = base::ParseJson(r.out);
  ASSERT_TRUE(report) << r.out;
  EXPECT_EQ((*report)["demo_can_run"], true);
  runtime::HostCaps caps = runtime::DetectHostCaps();  // what cocoon run decides
  EXPECT_EQ((*report)["accel"], caps.kvm_usable ? "kvm" : "tcg");
  const Json* kvm = Check(*report, "kvm");
  ASSERT_NE(kvm, nullptr);
  EXPECT_EQ((*kvm)["status"], caps.kvm_usable ? "ok" : "warn");
  EXPECT_TRUE((*kvm)["what"].get<std::string>().starts_with(caps.kvm_reason)) << *kvm;
  // The packages and crun are needed only until the guest image for this agent is built.
  const Json* image = Check(*report, "guest-image");
  ASSERT_NE(image, nullptr);
  bool built = (*image)["status"] == "ok";
  for (const char* name : {"qemu", "cocoon", "docker-registry", "guest-packages", "crun"}) {
    const Json* c = Check(*report, name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_EQ((*c)["status"], "ok") << *c;
    bool needs_image = std::string(name) == "guest-packages" || std::string(name) == "crun";
    EXPECT_EQ((*c)["required"], !(needs_image && built)) << *c;
  }
  EXPECT_NE((*Check(*report, "qemu"))["what"].get<std::string>().find(caps.qemu_binary),
            std::string::npos);
  EXPECT_NE((*Check(*report, "cocoon"))["what"].get<std::string>().find(
                std::filesystem::path(BinaryPath("cocoon")).parent_path().string()),
            std::string::npos);
  EXPECT_EQ((*Check(*report, "swtpm"))["status"], "ok");
}

TEST(DoctorCli, TextHasOneLinePerCheck) {
  auto text = harness::Run({BinaryPath("cocoon"), "doctor"});
  auto json = harness::Run({BinaryPath("cocoon"), "doctor", "--json"});
  ASSERT_EQ(text.exit_code, 0) << text.out << text.err;
  auto report = base::ParseJson(json.out);
  ASSERT_TRUE(report);
  size_t lines = 0;
  for (char c : text.out) lines += c == '\n';
  EXPECT_EQ(lines, (*report)["checks"].size() + 1);  // and the verdict
  EXPECT_TRUE(text.out.starts_with("ok       qemu             QEMU ")) << text.out;
  EXPECT_NE(text.out.find("\ncocoon demo can run here; pod VMs use "), std::string::npos);
}

// No tools in the PATH and an empty package cache: exit 1, the missing parts named with advice.
TEST(DoctorCli, BareHostExitsOneWithAdvice) {
  harness::TempDir empty;
  auto r = harness::Run({"/usr/bin/env", "PATH=" + empty.path().string(),
                         "COCOON_DEB_CACHE=" + empty.File("debs"),
                         "COCOON_CACHE=" + empty.File("cache"), BinaryPath("cocoon"), "doctor"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("missing  qemu             qemu-system-x86_64 not found: pod VMs cannot "
                       "start  fix: install qemu-system-x86 (scripts/setup does)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("missing  guest-packages   package directory " + empty.File("debs")),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("cocoon demo cannot run here until these are fixed: qemu, "
                       "guest-packages\n"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace cocoon
