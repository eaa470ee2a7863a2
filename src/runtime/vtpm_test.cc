// Vtpm against the real swtpm: it serves its control channel, and stopping it removes its state.
#include "runtime/vtpm.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "testutil/temp_dir.h"

namespace cocoon::runtime {
namespace {

namespace fs = std::filesystem;

// swtpm's control channel: CMD_GET_CAPABILITY (1) answers a 4-byte result (0 = success) and
// the capability bits.
Result<uint32_t> GetCapability(const std::string& socket_path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, socket_path.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return Unavailable("connect " + socket_path);
  }
  uint32_t cmd = htonl(1);
  uint32_t reply[2] = {};
  bool ok = ::write(fd, &cmd, sizeof cmd) == sizeof cmd &&
            ::recv(fd, reply, sizeof reply, MSG_WAITALL) == sizeof reply;
  ::close(fd);
  if (!ok) return Internal("no answer");
  if (ntohl(reply[0]) != 0) return Internal("result " + std::to_string(ntohl(reply[0])));
  return ntohl(reply[1]);
}

TEST(Vtpm, ServesItsControlChannelAndCleansUp) {
  auto v = Vtpm::Start();
  ASSERT_TRUE(v) << v.error().ToString();
  std::string dir = (*v)->dir();
  pid_t pid = (*v)->pid();
  EXPECT_EQ((*v)->socket(), dir + "/ctrl.sock");
  EXPECT_TRUE(fs::path(dir).filename().string().starts_with("cocoon-vtpm-"));
  auto caps = GetCapability((*v)->socket());
  ASSERT_TRUE(caps) << caps.error().ToString();
  EXPECT_NE(*caps, 0u);
  v->reset();
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_NE(::kill(pid, 0), 0) << "swtpm outlived its Vtpm";
}

TEST(Vtpm, MissingBinaryIsNotFound) {
  auto v = Vtpm::Start({.swtpm = "/nonexistent/swtpm"});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code(), Code::kNotFound);
}

TEST(Vtpm, ABinaryThatExitsIsUnavailable) {
  auto v = Vtpm::Start({.swtpm = "/bin/false"});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code(), Code::kUnavailable);
  EXPECT_TRUE(v.error().message().starts_with("swtpm did not start")) << v.error().message();
}

// A persistent state keeps its endorsement seed, so the AK the agent derives from it is the same
// on every boot: what `cocoon vtpm ak` gives the KBS operator to enrol.
TEST(VtpmState, TheAkOfAPersistentStateIsStableAndItsOwn) {
  testutil::TempDir tmp;
  VtpmOptions a{.state_dir = (tmp.path() / "a").string()};
  auto first = VtpmAkPublicPem(a);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_TRUE(first->starts_with("-----BEGIN PUBLIC KEY-----")) << *first;
  EXPECT_EQ(fs::status(a.state_dir).permissions() & fs::perms::all, fs::perms::owner_all);
  auto again = VtpmAkPublicPem(a);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(*first, *again);
  auto other = VtpmAkPublicPem({.state_dir = (tmp.path() / "b").string()});
  ASSERT_TRUE(other) << other.error().ToString();
  EXPECT_NE(*first, *other);
}

TEST(VtpmState, APodKeepsItsStateAndHoldsItAlone) {
  testutil::TempDir tmp;
  VtpmOptions o{.state_dir = (tmp.path() / "state").string()};
  auto ak = VtpmAkPublicPem(o);
  ASSERT_TRUE(ak) << ak.error().ToString();
  {
    auto v = Vtpm::Start(o);
    ASSERT_TRUE(v) << v.error().ToString();
    EXPECT_EQ((*v)->state_dir(), o.state_dir);
    auto busy = Vtpm::Start(o);  // swtpm locks its state: a second pod cannot share it
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().code(), Code::kUnavailable);
    EXPECT_NE(busy.error().message().find(o.state_dir), std::string::npos)
        << busy.error().message();
  }
  EXPECT_TRUE(fs::exists(fs::path(o.state_dir) / "tpm2-00.permall"));
  auto after = VtpmAkPublicPem(o);
  ASSERT_TRUE(after) << after.error().ToString();
  EXPECT_EQ(*ak, *after);
}

TEST(VtpmState, TheAkNeedsAPersistentState) {
  auto r = VtpmAkPublicPem({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::runtime
