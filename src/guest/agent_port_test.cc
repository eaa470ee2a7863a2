// The agent's port pieces without a VM: waiting for the host's first bytes on a FIFO standing
// in for the virtio-serial port, and the PID 1 flags file.
#include "guest/agent_port.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/pid1.h"
#include "testutil/temp_dir.h"

namespace cocoon::guest {
namespace {

using std::chrono::milliseconds;

TEST(AgentPort, WaitsForTheHostsFirstBytes) {
  testutil::TempDir dir;
  std::string port = dir.File("port");
  ASSERT_EQ(::mkfifo(port.c_str(), 0600), 0);
  auto idle = OpenWhenHostWrites(port, milliseconds(20));
  ASSERT_FALSE(idle);
  EXPECT_EQ(idle.error().code(), Code::kUnavailable);
  EXPECT_EQ(idle.error().message(), "no host on " + port);

  int host = ::open(port.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(host, 0);
  ASSERT_EQ(::write(host, "hi", 2), 2);
  auto fd = OpenWhenHostWrites(port, milliseconds(1000));
  ASSERT_TRUE(fd) << fd.error().ToString();
  char buf[2] = {};
  EXPECT_EQ(::read(*fd, buf, 2), 2);
  EXPECT_EQ(std::string(buf, 2), "hi");
  ::close(*fd);
  ::close(host);
}

TEST(AgentPort, AMissingDeviceIsUnavailable) {
  auto fd = OpenWhenHostWrites("/nonexistent/vport0p1", milliseconds(10));
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().code(), Code::kUnavailable);
  EXPECT_EQ(fd.error().message(), "cannot open /nonexistent/vport0p1");
}

TEST(AgentArgs, OneFlagPerLineAfterArgv0) {
  testutil::TempDir dir;
  dir.Write("agent.args", "--modules=/etc/m\n# a comment\n\n--attester\ntpm\n");
  EXPECT_EQ(pid1::AgentArgs("/init", dir.File("agent.args")),
            (std::vector<std::string>{"/init", "--modules=/etc/m", "--attester", "tpm"}));
  EXPECT_EQ(pid1::AgentArgs("/init", dir.File("missing")), std::vector<std::string>{"/init"});
}

}  // namespace
}  // namespace cocoon::guest
