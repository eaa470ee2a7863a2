// The pod VM's first light: the guest image built with cocoon-agent as /init boots under QEMU
// (TCG here), the agent does its PID 1 work (mounts, modules with their kernel command-line
// parameters, network, root on tmpfs) and answers the host over the virtio-serial port.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "net/ttrpc_client.h"
#include "runtime/agent_client.h"
#include "runtime/guest_image.h"
#include "runtime/host_caps.h"
#include "runtime/qemu.h"
#include "tests/busybox_image.h"
#include "tests/guest_fixture.h"
#include "tests/harness.h"

namespace cocoon {
namespace {

using std::chrono::seconds;

TEST(AgentVm, AgentIsPid1AnswersAndRunsAContainerInTheVm) {
  harness::TempDir dir;
  // A stripped agent keeps the initramfs near 30 MB (debug info would double it).
  auto strip = harness::Run(
      {"/usr/bin/strip", "-o", dir.File("cocoon-agent"), harness::BinaryPath("cocoon-agent")});
  ASSERT_EQ(strip.exit_code, 0) << strip.err;
  runtime::GuestImageSpec spec;
  ASSERT_TRUE(runtime::UseDebDir(runtime::DefaultDebCacheDir(), spec));
  spec.agent = dir.File("cocoon-agent");
  // A busybox image as an OCI layout inside the guest, and the agent's flags for it.
  std::string layout = BuildBusyboxLayout(dir);  // "oci:<dir>/layout:latest"
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.File("layout"))) {
    if (!entry.is_regular_file()) continue;
    std::string rel = std::filesystem::relative(entry.path(), dir.File("layout")).string();
    spec.extra_files.push_back({entry.path().string(), "/images/busybox/" + rel, 0644});
  }
  dir.Write("agent.args", "--insecure-accept-anything\n");
  spec.extra_files.push_back({dir.File("agent.args"), "/etc/cocoon/agent.args", 0644});
  auto image = runtime::BuildGuestImage(spec, dir.File("image"));
  ASSERT_TRUE(image) << image.error().ToString();
  auto kernel = testing::GuestKernel();  // the same kernel package, as a PVH vmlinux
  ASSERT_TRUE(kernel) << kernel.error().ToString();

  runtime::VmConfig config;
  config.kernel = *kernel;
  config.initrd = image->initramfs.path;
  config.memory_mib = 1024;  // the root moves from the initramfs into a tmpfs
  config.accel = runtime::Accel::kTcg;
  config.initdata = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n";
  runtime::QemuHypervisor qemu(runtime::DetectHostCaps());
  auto vm = qemu.Start(config);
  ASSERT_TRUE(vm) << vm.error().ToString();
  auto fd = (*vm)->ConnectChannel(seconds(30));
  ASSERT_TRUE(fd) << fd.error().ToString();
  runtime::AgentClient agent(std::make_unique<net::ttrpc::Client>(*fd),
                             runtime::AgentTimeouts{.call = std::chrono::milliseconds(120'000)});
  auto serving = agent.Check();
  ASSERT_TRUE(serving) << serving.error().ToString() << "\nconsole:\n"
                       << harness::ReadFile((*vm)->console_log_path());
  EXPECT_TRUE(*serving);
  auto details = agent.GetGuestDetails();
  ASSERT_TRUE(details) << details.error().ToString();
  EXPECT_EQ(details->agent_details().version(), "cocoon-agent 0.1.0");
  std::string console = harness::ReadFile((*vm)->console_log_path());
  EXPECT_EQ(console.find("no virtio-serial port"), std::string::npos) << console;
  EXPECT_EQ(console.find("network:"), std::string::npos) << console;  // eth0 configured

  // A container inside the VM: pulled from the in-guest layout, run by crun, output streamed.
  ASSERT_TRUE(agent.CreateSandbox({}));
  auto created = agent.CreateContainer(runtime::AgentClient::GuestPullRequest(
      "c1", "oci:/images/busybox:latest", {"/bin/sh", "-c", "echo hello from the pod VM; exit 7"}));
  ASSERT_TRUE(created) << created.error().ToString() << "\nconsole:\n"
                       << harness::ReadFile((*vm)->console_log_path());
  auto started = agent.StartContainer("c1");
  ASSERT_TRUE(started) << started.error().ToString() << "\nconsole:\n"
                       << harness::ReadFile((*vm)->console_log_path());
  std::string out;
  for (;;) {
    auto chunk = agent.ReadStdout("c1", "");
    ASSERT_TRUE(chunk) << chunk.error().ToString();
    if (chunk->empty()) break;
    out += *chunk;
  }
  EXPECT_EQ(out, "hello from the pod VM\n");
  auto code = agent.WaitProcess("c1", "");
  ASSERT_TRUE(code) << code.error().ToString();
  EXPECT_EQ(*code, 7);
}

}  // namespace
}  // namespace cocoon
