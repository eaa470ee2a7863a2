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
  auto v = Vtpm::Start("/nonexistent/swtpm");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code(), Code::kNotFound);
}

TEST(Vtpm, ABinaryThatExitsIsUnavailable) {
  auto v = Vtpm::Start("/bin/false");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code(), Code::kUnavailable);
  EXPECT_TRUE(v.error().message().starts_with("swtpm did not start")) << v.error().message();
}

}  // namespace
}  // namespace cocoon::runtime
