// Real QEMU (TCG) boots of the Debian kernel with a busybox initramfs: the agent virtio-serial
// channel both ways, initdata through fw_cfg, guest -> host loopback services through one
// guestfwd each, and no QEMU outliving its owner (SIGKILLed) or its Vm object.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "runtime/owned_process.h"
#include "runtime/qemu.h"
#include "tests/guest_fixture.h"
#include "tests/harness.h"

namespace cocoon {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
namespace fs = std::filesystem;

constexpr char kInitData[] = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n";

// Guest: answer the host's line, report the initdata digest, fetch from both services.
constexpr char kAgentInit[] = R"sh(
exec 3<>$port
read -r line <&3
echo "GUEST-GOT $line" >&3
echo "INITDATA $(sha256sum < /sys/firmware/qemu_fw_cfg/by_name/opt/io.cocoon/initdata/raw | cut -d' ' -f1)" >&3
echo "WGET1 $(timeout 20 wget -q -O - http://10.0.2.100:8080/hello.txt)" >&3
echo "WGET2 $(timeout 20 wget -q -O - http://10.0.2.100:8081/hello.txt)" >&3
read -r bye <&3
poweroff -f
)sh";

// Guest that idles until killed.
constexpr char kIdleInit[] = "exec sleep 100000\n";

struct Guest {
  std::string kernel;
  std::string initrd;
};

Result<Guest> MakeGuest(const harness::TempDir& dir, const std::string& body) {
  Guest g;
  ASSIGN_OR_RETURN(g.kernel, testing::GuestKernel());
  ASSIGN_OR_RETURN(g.initrd,
                   testing::MakeInitramfs(dir.path().string(), testing::InitPrologue() + body));
  return g;
}

runtime::VmConfig Config(const Guest& g) {
  runtime::VmConfig c;
  c.kernel = g.kernel;
  c.initrd = g.initrd;
  c.accel = runtime::Accel::kTcg;
  return c;
}

std::unique_ptr<harness::Process> HttpServer(const std::string& dir, int port) {
  auto p = std::make_unique<harness::Process>(
      std::vector<std::string>{"/usr/bin/python3", "-u", "-m", "http.server", std::to_string(port),
                               "--bind", "127.0.0.1", "--directory", dir});
  return p->WaitForLine("Serving HTTP", seconds(20)) ? std::move(p) : nullptr;
}

TEST(QemuVm, AgentChannelInitDataAndGuestfwd) {
  harness::TempDir dir;
  auto guest = MakeGuest(dir, kAgentInit);
  ASSERT_TRUE(guest) << guest.error().ToString();
  harness::TempDir www1, www2;
  www1.Write("hello.txt", "hello-from-service-1");
  www2.Write("hello.txt", "hello-from-service-2");
  int port1 = harness::FreePort(), port2 = harness::FreePort();
  auto http1 = HttpServer(www1.path().string(), port1);
  auto http2 = HttpServer(www2.path().string(), port2);
  ASSERT_TRUE(http1 && http2) << "python3 http.server did not start";

  runtime::VmConfig config = Config(*guest);
  config.initdata = kInitData;
  config.services = {{8080, static_cast<uint16_t>(port1)}, {8081, static_cast<uint16_t>(port2)}};
  runtime::QemuHypervisor qemu(runtime::DetectHostCaps());
  auto vm = qemu.Start(config);
  ASSERT_TRUE(vm) << vm.error().ToString();
  std::string run_dir = fs::path((*vm)->channel_socket_path()).parent_path();

  auto fd = (*vm)->ConnectChannel(seconds(20));
  ASSERT_TRUE(fd) << fd.error().ToString();
  ASSERT_TRUE(testing::WriteAll(*fd, "PING-FROM-HOST\n"));
  auto expect_line = [&](const std::string& want) {
    auto line = testing::ReadLine(*fd, seconds(60));
    ASSERT_TRUE(line) << line.error().ToString() << "\nconsole:\n"
                      << harness::ReadFile((*vm)->console_log_path());
    EXPECT_EQ(*line, want);
  };
  expect_line("GUEST-GOT PING-FROM-HOST");
  expect_line("INITDATA " + base::HexEncode(crypto::Sha256(AsBytes(std::string(kInitData)))));
  expect_line("WGET1 hello-from-service-1");
  expect_line("WGET2 hello-from-service-2");
  ASSERT_TRUE(testing::WriteAll(*fd, "BYE\n"));
  EXPECT_EQ((*vm)->Wait(seconds(30)), 0);  // poweroff -f with -no-reboot: QEMU exits 0
  close(*fd);
  EXPECT_NE(harness::ReadFile((*vm)->console_log_path()).find("GUEST-UP port=/dev/vport"),
            std::string::npos);
  vm->reset();
  EXPECT_FALSE(fs::exists(run_dir));
}

TEST(QemuVm, KilledQemuIsReportedAndCleanedUp) {
  harness::TempDir dir;
  auto guest = MakeGuest(dir, kIdleInit);
  ASSERT_TRUE(guest) << guest.error().ToString();
  runtime::QemuHypervisor qemu(runtime::DetectHostCaps());
  auto vm = qemu.Start(Config(*guest));
  ASSERT_TRUE(vm) << vm.error().ToString();
  std::string run_dir = fs::path((*vm)->channel_socket_path()).parent_path();
  auto fd = (*vm)->ConnectChannel(seconds(20));  // QEMU is up and listening
  ASSERT_TRUE(fd) << fd.error().ToString();
  close(*fd);
  ASSERT_EQ(kill((*vm)->pid(), SIGKILL), 0);
  EXPECT_EQ((*vm)->Wait(seconds(10)), 128 + SIGKILL);
  auto again = (*vm)->ConnectChannel(seconds(5));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Code::kUnavailable);
  vm->reset();
  EXPECT_FALSE(fs::exists(run_dir));
}

TEST(QemuVm, StopTerminatesARunningVm) {
  harness::TempDir dir;
  auto guest = MakeGuest(dir, kIdleInit);
  ASSERT_TRUE(guest) << guest.error().ToString();
  runtime::QemuHypervisor qemu(runtime::DetectHostCaps());
  auto vm = qemu.Start(Config(*guest));
  ASSERT_TRUE(vm) << vm.error().ToString();
  auto fd = (*vm)->ConnectChannel(seconds(20));
  ASSERT_TRUE(fd) << fd.error().ToString();
  close(*fd);
  pid_t pid = (*vm)->pid();
  EXPECT_EQ((*vm)->Stop(seconds(5)), 128 + SIGTERM);  // QEMU 7.2 re-raises SIGTERM at exit
  EXPECT_EQ(kill(pid, 0), -1);                        // reaped: the pid is gone
  EXPECT_EQ((*vm)->Wait(milliseconds(0)), 128 + SIGTERM);
}

TEST(QemuVm, QemuDiesWithItsSigkilledOwner) {
  // Orphans re-parent to this process, so the test can reap QEMU and see how it ended.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  harness::TempDir dir;
  auto guest = MakeGuest(dir, kIdleInit);
  ASSERT_TRUE(guest) << guest.error().ToString();
  harness::Process owner(
      {std::string(COCOON_BINARY_DIR) + "/tests/vm_owner_helper", guest->kernel, guest->initrd});
  std::string line;
  ASSERT_TRUE(owner.WaitForLine("VM-STARTED", seconds(30), &line))
      << harness::ReadFile(owner.stderr_path());
  pid_t qemu_pid = 0;
  char run_dir[256] = {};
  ASSERT_EQ(std::sscanf(line.c_str(), "VM-STARTED %d %255s", &qemu_pid, run_dir), 2) << line;
  int pidfd = runtime::internal::PidfdOpen(qemu_pid);
  ASSERT_GE(pidfd, 0);

  owner.Kill9();
  pollfd p{pidfd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1) << "QEMU " << qemu_pid << " outlived its owner by 5 s";
  close(pidfd);
  int status = 0;
  ASSERT_EQ(waitpid(qemu_pid, &status, 0), qemu_pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);  // PR_SET_PDEATHSIG
  EXPECT_EQ(kill(qemu_pid, 0), -1);

  // The owner could not clean up; the next one sweeps its run directory.
  ASSERT_TRUE(fs::exists(run_dir));
  EXPECT_GE(runtime::SweepStaleRunDirs(fs::path(run_dir).parent_path()), 1);
  EXPECT_FALSE(fs::exists(run_dir));
}

}  // namespace
}  // namespace cocoon
