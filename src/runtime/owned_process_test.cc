// OwnedProcess with real children: exit status, timeouts, exec failure, and that killing the
// process also kills what it spawned (its process group).
#include "runtime/owned_process.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "testutil/temp_dir.h"

namespace cocoon::runtime::internal {
namespace {

using std::chrono::milliseconds;

TEST(OwnedProcess, ExitStatus) {
  testutil::TempDir dir;
  auto p = OwnedProcess::Spawn({"/bin/sh", "-c", "echo hi; exit 3"}, dir.File("log"));
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->Wait(milliseconds(10000)), 3);
  EXPECT_TRUE(p->exited());
  std::ifstream log(dir.File("log"));
  std::string line;
  std::getline(log, line);
  EXPECT_EQ(line, "hi");
}

TEST(OwnedProcess, TimeoutThenKill) {
  testutil::TempDir dir;
  auto p = OwnedProcess::Spawn({"/bin/sleep", "100"}, dir.File("log"));
  ASSERT_TRUE(p);
  auto r = p->Wait(milliseconds(50));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kDeadlineExceeded);
  EXPECT_EQ(p->Kill(), 128 + SIGKILL);
}

TEST(OwnedProcess, SigtermIsDelivered) {
  testutil::TempDir dir;
  auto p = OwnedProcess::Spawn({"/bin/sleep", "100"}, dir.File("log"));
  ASSERT_TRUE(p);
  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(milliseconds(10000)), 128 + SIGTERM);
}

TEST(OwnedProcess, ExecFailureIsReported) {
  testutil::TempDir dir;
  auto p = OwnedProcess::Spawn({"/nonexistent/qemu"}, dir.File("log"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), Code::kInternal);
  EXPECT_EQ(p.error().message(), "exec /nonexistent/qemu: No such file or directory");
  EXPECT_EQ(OwnedProcess::Spawn({"sh"}, dir.File("log")).error().code(), Code::kInvalidArgument);
}

TEST(OwnedProcess, KillTakesTheProcessGroup) {
  testutil::TempDir dir;
  std::string pidfile = dir.File("grandchild.pid");
  auto p = OwnedProcess::Spawn(
      {"/bin/sh", "-c",
       "sleep 100 & echo $! > " + pidfile + ".tmp; mv " + pidfile + ".tmp " + pidfile + "; wait"},
      dir.File("log"));
  ASSERT_TRUE(p);
  int grandchild = 0;
  for (int i = 0; i < 500 && grandchild == 0; ++i) {
    std::ifstream in(pidfile);
    if (!(in >> grandchild)) (void)p->Wait(milliseconds(10));  // a pause that ends on exit
  }
  ASSERT_GT(grandchild, 0);
  int fd = PidfdOpen(grandchild);
  ASSERT_GE(fd, 0);
  p->Kill();
  pollfd pfd{fd, POLLIN, 0};
  EXPECT_EQ(poll(&pfd, 1, 10000), 1);  // the grandchild exited
  close(fd);
}

}  // namespace
}  // namespace cocoon::runtime::internal
