// ttrpc framing, server and client over socketpairs: table cases for the decoder, error codes for
// bad frames and payloads, and that the server keeps serving after each of them.
#include "net/ttrpc.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "base/encoding.h"
#include "net/ttrpc_client.h"
#include "net/ttrpc_server.h"
#include "ttrpc.pb.h"

namespace cocoon::net::ttrpc {
namespace {

using namespace std::chrono_literals;

TEST(TtrpcFrame, WorkedExampleFromSpec) {
  ::ttrpc::Request req;
  req.set_service("grpc.Health");
  req.set_method("Check");
  req.set_timeout_nano(30'000'000'000);
  std::string frame = EncodeFrame(1, kTypeRequest, 0, req.SerializeAsString());
  EXPECT_EQ(base::HexEncode(AsBytes(frame)),
            "0000001a0000000101000a0b677270632e4865616c74681205436865636b2080d88ee16f");
}

TEST(TtrpcFrame, DecoderReassemblesSplitFrames) {
  std::string wire = EncodeFrame(1, kTypeRequest, 0, "hello") + EncodeFrame(3, kTypeData, 4, "");
  FrameDecoder d;
  std::vector<Frame> frames;
  for (char c : wire) {  // one byte per read
    d.Feed(AsBytes(std::string_view(&c, 1)));
    auto f = d.Next();
    ASSERT_TRUE(f);
    if (*f) frames.push_back(**f);
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].stream_id, 1u);
  EXPECT_EQ(frames[0].data, "hello");
  EXPECT_EQ(frames[1].stream_id, 3u);
  EXPECT_EQ(frames[1].type, kTypeData);
  EXPECT_EQ(frames[1].flags, 4);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(TtrpcFrame, DecoderTwoFramesInOneRead) {
  FrameDecoder d;
  d.Feed(AsBytes(EncodeFrame(5, kTypeResponse, 0, "a") + EncodeFrame(7, kTypeResponse, 0, "bc")));
  auto a = d.Next();
  auto b = d.Next();
  auto c = d.Next();
  ASSERT_TRUE(a && *a && b && *b && c);
  EXPECT_EQ((*a)->data, "a");
  EXPECT_EQ((*b)->data, "bc");
  EXPECT_FALSE(*c);
}

TEST(TtrpcFrame, DecoderLimitAndOnePast) {
  FrameDecoder at(16);
  at.Feed(AsBytes(EncodeFrame(1, kTypeRequest, 0, std::string(16, 'x'))));
  auto ok = at.Next();
  ASSERT_TRUE(ok && *ok);
  EXPECT_EQ((*ok)->data.size(), 16u);

  FrameDecoder past(16);
  past.Feed(AsBytes(EncodeFrame(9, kTypeRequest, 0, std::string(17, 'x')).substr(0, 10)));
  auto bad = past.Next();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kResourceExhausted);
  EXPECT_EQ(past.oversized_stream(), 9u);
  EXPECT_FALSE(past.Next());  // stays failed
}

TEST(TtrpcFrame, DefaultLimitIsFourMiB) {
  FrameDecoder d;
  std::string header = EncodeFrame(1, kTypeRequest, 0, "").substr(0, 10);
  header[0] = 0;
  header[1] = 0x40;  // 4 MiB + 1
  header[2] = 0;
  header[3] = 1;
  d.Feed(AsBytes(header));
  auto r = d.Next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kResourceExhausted);
}

TEST(TtrpcFrame, GrpcCodesRoundTrip) {
  EXPECT_EQ(ToGrpcCode(Code::kPermissionDenied), 7);
  EXPECT_EQ(ToGrpcCode(Code::kUnimplemented), 12);
  EXPECT_EQ(ToGrpcCode(Code::kInvalidArgument), 3);
  EXPECT_EQ(FromGrpcCode(7), Code::kPermissionDenied);
  EXPECT_EQ(FromGrpcCode(12), Code::kUnimplemented);
  EXPECT_EQ(FromGrpcCode(99), Code::kInternal);
}

// A server on one end of a socketpair, serving on its own thread.
class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    server_.Register("test.Echo", "Echo", [](std::string_view p) -> Result<std::string> {
      return "echo:" + std::string(p);
    });
    server_.Register("test.Echo", "Fail", [](std::string_view) -> Result<std::string> {
      return PermissionDenied("FailRequest is blocked by policy");
    });
    server_.RegisterTyped<::ttrpc::KeyValue, ::ttrpc::KeyValue>(
        "test.Echo", "Typed", [](const ::ttrpc::KeyValue& kv) -> Result<::ttrpc::KeyValue> {
          ::ttrpc::KeyValue out;
          out.set_key(kv.value());
          out.set_value(kv.key());
          return out;
        });
    peer_ = sv[1];
    thread_ = std::thread([this, fd = sv[0]] { result_ = server_.ServeConnection(fd); });
  }
  void TearDown() override {
    if (peer_ >= 0) ::shutdown(peer_, SHUT_WR);
    thread_.join();
    if (peer_ >= 0) ::close(peer_);
  }
  // Sends a raw frame and reads one response frame.
  ::ttrpc::Response RawCall(const std::string& frame, uint32_t* stream = nullptr) {
    EXPECT_TRUE(WriteAll(peer_, frame));
    FrameDecoder d;
    char buf[4096];
    while (true) {
      auto f = d.Next();
      EXPECT_TRUE(f);
      if (!f) return {};
      if (*f) {
        if (stream) *stream = (*f)->stream_id;
        EXPECT_EQ((*f)->type, kTypeResponse);
        ::ttrpc::Response r;
        EXPECT_TRUE(r.ParseFromString((*f)->data));
        return r;
      }
      ssize_t n = ::read(peer_, buf, sizeof(buf));
      if (n <= 0) {
        ADD_FAILURE() << "connection closed";
        return {};
      }
      d.Feed(AsBytes(std::string_view(buf, static_cast<size_t>(n))));
    }
  }
  static std::string RequestFrame(uint32_t id, const std::string& service,
                                  const std::string& method, const std::string& payload) {
    ::ttrpc::Request r;
    r.set_service(service);
    r.set_method(method);
    r.set_payload(payload);
    return EncodeFrame(id, kTypeRequest, 0, r.SerializeAsString());
  }

  Server server_;
  int peer_ = -1;
  std::thread thread_;
  Status result_ = Ok();
};

TEST_F(ServerFixture, EchoThenErrorsThenStillServing) {
  auto r = RawCall(RequestFrame(1, "test.Echo", "Echo", "x"));
  EXPECT_EQ(r.status().code(), 0);
  EXPECT_EQ(r.payload(), "echo:x");
  r = RawCall(RequestFrame(3, "test.Nope", "Echo", ""));
  EXPECT_EQ(r.status().code(), kGrpcUnimplemented);
  EXPECT_EQ(r.status().message(), "test.Nope/Echo is not implemented");
  r = RawCall(RequestFrame(5, "test.Echo", "Nope", ""));
  EXPECT_EQ(r.status().code(), kGrpcUnimplemented);
  uint32_t stream = 0;
  r = RawCall(EncodeFrame(7, kTypeRequest, 0, "\xff\xff\xff\xff"), &stream);
  EXPECT_EQ(r.status().code(), kGrpcInvalidArgument);
  EXPECT_EQ(stream, 7u);
  r = RawCall(
      RequestFrame(9, "test.Echo", "Typed", std::string("\x0a\x05", 2) + "ab"));  // truncated field
  EXPECT_EQ(r.status().code(), kGrpcInvalidArgument);
  EXPECT_EQ(r.status().message(), "malformed ttrpc.KeyValue");
  r = RawCall(EncodeFrame(11, kTypeData, 0, ""));
  EXPECT_EQ(r.status().code(), kGrpcInvalidArgument);
  r = RawCall(RequestFrame(12, "test.Echo", "Echo", ""));  // even id
  EXPECT_EQ(r.status().code(), kGrpcInvalidArgument);
  r = RawCall(RequestFrame(11, "test.Echo", "Echo", ""));  // reused id
  EXPECT_EQ(r.status().code(), kGrpcInvalidArgument);
  r = RawCall(RequestFrame(13, "test.Echo", "Fail", ""));
  EXPECT_EQ(r.status().code(), kGrpcPermissionDenied);
  r = RawCall(RequestFrame(15, "test.Echo", "Echo", "still"));
  EXPECT_EQ(r.status().code(), 0);
  EXPECT_EQ(r.payload(), "echo:still");
}

TEST_F(ServerFixture, OversizedFrameAnsweredThenClosed) {
  std::string header = EncodeFrame(1, kTypeRequest, 0, "").substr(0, 10);
  header[1] = 0x40;
  header[3] = 1;  // 4 MiB + 1
  auto r = RawCall(header);
  EXPECT_EQ(r.status().code(), kGrpcResourceExhausted);
  char c;
  EXPECT_EQ(::read(peer_, &c, 1), 0);  // server hung up
  thread_.join();
  EXPECT_EQ(result_.error().code(), Code::kResourceExhausted);
  thread_ = std::thread([] {});
}

TEST_F(ServerFixture, ClientSequentialAndConcurrentCalls) {
  Client client(::dup(peer_));
  for (int i = 0; i < 3; ++i) {
    auto r = client.Call("test.Echo", "Echo", std::to_string(i), 5s);
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(*r, "echo:" + std::to_string(i));
  }
  std::vector<std::thread> threads;
  std::vector<std::string> got(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto r = client.Call("test.Echo", "Echo", "t" + std::to_string(i), 5s);
      got[i] = r ? *r : r.error().ToString();
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(got[i], "echo:t" + std::to_string(i));
  auto denied = client.Call("test.Echo", "Fail", "", 5s);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code(), Code::kPermissionDenied);
  auto unknown = client.Call("grpc.AgentService", "Nope", "", 5s);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), Code::kUnimplemented);
  ::ttrpc::KeyValue kv;
  kv.set_key("k");
  kv.set_value("v");
  auto typed = client.CallTyped<::ttrpc::KeyValue>("test.Echo", "Typed", kv, 5s);
  ASSERT_TRUE(typed);
  EXPECT_EQ(typed->key(), "v");
}

// A fake server that answers an unknown stream first, then the caller's, then hangs up.
TEST(TtrpcClient, DropsUnknownStreamAndReportsClose) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  std::thread fake([fd = sv[1]] {
    char buf[256];
    (void)::read(fd, buf, sizeof(buf));
    ::ttrpc::Response r;
    r.set_payload("stray");
    std::string out = EncodeFrame(99, kTypeResponse, 0, r.SerializeAsString());
    r.set_payload("mine");
    out += EncodeFrame(1, kTypeResponse, 0, r.SerializeAsString());
    (void)WriteAll(fd, out);
    (void)::read(fd, buf, sizeof(buf));  // the second call
    ::close(fd);
  });
  Client client(sv[0]);
  auto r = client.Call("s", "m", "", 5s);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(*r, "mine");
  auto closed = client.Call("s", "m", "", 5s);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code(), Code::kUnavailable);
  fake.join();
}

// A containerd shim gets its listener as an inherited fd; the server serves on it as on its own.
TEST(TtrpcServer, AdoptsAListeningSocketAndRefusesOtherFds) {
  std::string path = "/tmp/cocoon-ttrpc-adopt-" + std::to_string(::getpid()) + ".sock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ::unlink(path.c_str());
  int lfd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(lfd, 4), 0);

  Server server;
  server.Register("svc", "Echo", [](std::string_view p) -> Result<std::string> {
    return "echo:" + std::string(p);
  });
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  auto not_listening = server.AdoptListener(pipefd[0]);
  ASSERT_FALSE(not_listening);
  EXPECT_EQ(not_listening.error().code(), Code::kInvalidArgument);
  ::close(pipefd[0]);
  ::close(pipefd[1]);
  ASSERT_TRUE(server.AdoptListener(lfd));
  std::thread loop([&] { (void)server.AcceptLoop(); });
  auto client = Client::DialUnix(path);
  ASSERT_TRUE(client) << client.error().message();
  auto r = (*client)->Call("svc", "Echo", "hi", 5s);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, "echo:hi");
  server.Stop();
  loop.join();
  ::unlink(path.c_str());
}

// WaitForCalls: a slow call in flight keeps it waiting; once the answer is sent it returns.
TEST(TtrpcServer, WaitForCallsWaitsUntilAnswersAreSent) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  Server server;
  std::atomic<bool> release{false};
  server.Register("svc", "Slow", [&](std::string_view) -> Result<std::string> {
    while (!release) std::this_thread::sleep_for(5ms);
    return std::string("done");
  });
  std::thread serve([&] { (void)server.ServeConnection(sv[1]); });
  EXPECT_TRUE(server.WaitForCalls(10ms)) << "no call yet";
  Client client(sv[0]);
  Result<std::string> answer = std::string();
  std::thread caller([&] { answer = client.Call("svc", "Slow", "", 5s); });
  bool busy = false;
  for (int i = 0; i < 400 && !busy; ++i) {
    busy = !server.WaitForCalls(5ms);
    if (!busy) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(busy) << "the slow call was never seen in flight";
  release = true;
  EXPECT_TRUE(server.WaitForCalls(5s));
  caller.join();
  ASSERT_TRUE(answer) << answer.error().message();
  EXPECT_EQ(*answer, "done");
  ::shutdown(sv[0], SHUT_RDWR);
  serve.join();
}

TEST(TtrpcClient, TimesOut) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  Client client(sv[0]);
  auto r = client.Call("s", "m", "", 50ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kDeadlineExceeded);
  ::close(sv[1]);
}

}  // namespace
}  // namespace cocoon::net::ttrpc
