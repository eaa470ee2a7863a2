// Integration tests for HttpServer, driven by HttpClient and by raw sockets on 127.0.0.1.
#include "net/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "base/file.h"
#include "net/http_client.h"
#include "net/testing/http_test_server.h"

namespace cocoon::net {
namespace {

using namespace std::chrono_literals;
using testing::StartServer;
using testing::Url;

// A blocking TCP connection for sending bytes no well-behaved client would.
class RawConn {
 public:
  // `source`: the local address to connect from (any 127.x.y.z works on loopback).
  explicit RawConn(uint16_t port, const char* source = nullptr)
      : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    if (source != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      inet_pton(AF_INET, source, &local.sin_addr);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) return;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConn() { close(fd_); }
  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  bool Send(std::string_view data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Reads until the server closes the connection; `closed` is false if `limit` passed first.
  struct Received {
    std::string data;
    bool closed = false;
  };
  Received ReadUntilClosed(std::chrono::milliseconds limit = 10s) {
    Received r;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        r.closed = true;
        break;
      }
      r.data.append(buf, static_cast<size_t>(n));
    }
    return r;
  }

 private:
  int fd_;
  bool connected_ = false;
};

HttpServerOptions Quiet() {
  HttpServerOptions o;
  o.access_log = false;
  return o;
}

TEST(HttpServerTest, GetAndPostEcho) {
  auto server = StartServer(Quiet());
  HttpClient client;
  auto get = client.Get(Url(*server, "/a%20b?x=1%202"));
  ASSERT_TRUE(get.has_value()) << get.error().ToString();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "GET /a b x=1%202 ");
  EXPECT_EQ(get->headers.Get("content-type"), "text/plain");
  auto post = client.Post(Url(*server, "/submit"), "payload");
  ASSERT_TRUE(post.has_value()) << post.error().ToString();
  EXPECT_EQ(post->body, "POST /submit  payload");
  auto put = client.Send("PUT", Url(*server, "/p"), {}, "x");
  ASSERT_TRUE(put.has_value());
  EXPECT_EQ(put->body, "PUT /p  x");
  auto del = client.Send("DELETE", Url(*server, "/d"));
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->body, "DELETE /d  ");
}

TEST(HttpServerTest, RequestHeadersReachTheHandler) {
  auto server = StartServer(Quiet(), [](const HttpRequest& req) {
    return HttpResponse::Text(200, std::string(req.headers.Get("x-custom").value_or("none")) + "|" +
                                       req.BearerToken().value_or("none"));
  });
  HttpClient client;
  Headers h;
  h.Set("X-Custom", "v1");
  h.Set("Authorization", "Bearer tok");
  auto res = client.Get(Url(*server, "/"), h);
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->body, "v1|tok");
}

TEST(HttpServerTest, KeepAliveReusesOneConnection) {
  auto server = StartServer(Quiet());
  HttpClient client;
  std::string first_remote;
  for (int i = 0; i < 5; ++i) {
    auto res = client.Get(Url(*server, "/k"));
    ASSERT_TRUE(res.has_value()) << res.error().ToString();
    auto remote = res->headers.Get("x-remote");
    ASSERT_TRUE(remote.has_value());
    if (i == 0) first_remote = std::string(*remote);
    EXPECT_EQ(*remote, first_remote) << "request " << i << " used a new connection";
  }
}

TEST(HttpServerTest, BadPathEscapeIs400) {
  auto server = StartServer(Quiet());
  HttpClient client;
  auto res = client.Get(Url(*server, "/a%zz"));
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 400);
}

// Issue 11 item 6: connections are capped per client address and in total, with real sockets
// from two loopback addresses; a refused client gets 503, and a freed slot is usable again.
TEST(HttpServerTest, ConnectionCapsPerClientAndInTotal) {
  HttpServerOptions o = Quiet();
  o.max_connections_per_ip = 2;
  o.max_connections = 3;
  auto server = StartServer(o);
  auto works = [&](RawConn& c) {
    if (!c.Send("GET /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")) return false;
    std::string got;
    char buf[1024];
    while (got.find("GET /ok") == std::string::npos) {
      ssize_t n = recv(c.fd(), buf, sizeof buf, 0);
      if (n <= 0) return false;
      got.append(buf, static_cast<size_t>(n));
    }
    return got.starts_with("HTTP/1.1 200");
  };
  auto a1 = std::make_unique<RawConn>(server->port(), "127.0.0.1");
  RawConn a2(server->port(), "127.0.0.1");
  ASSERT_TRUE(a1->connected() && a2.connected());
  ASSERT_TRUE(works(*a1));
  ASSERT_TRUE(works(a2));
  RawConn a3(server->port(), "127.0.0.1");  // a third from the same address: refused
  auto refused = a3.ReadUntilClosed();
  EXPECT_TRUE(refused.closed);
  EXPECT_TRUE(refused.data.starts_with("HTTP/1.1 503")) << refused.data;
  EXPECT_NE(refused.data.find("too many connections"), std::string::npos);
  RawConn b1(server->port(), "127.0.0.2");  // another address still gets in…
  ASSERT_TRUE(works(b1));
  RawConn b2(server->port(), "127.0.0.2");  // …until the total cap
  EXPECT_TRUE(b2.ReadUntilClosed().data.starts_with("HTTP/1.1 503"));
  // Closing a1 frees a slot for 127.0.0.1 once the server has seen the close.
  a1.reset();
  bool admitted = false;
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       !admitted && std::chrono::steady_clock::now() < deadline;) {
    RawConn again(server->port(), "127.0.0.1");
    admitted = works(again);
  }
  EXPECT_TRUE(admitted);
}

TEST(HttpServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  auto server = StartServer(Quiet(), [](const HttpRequest& req) -> HttpResponse {
    if (req.path == "/throw") throw std::runtime_error("boom");
    return HttpResponse::Text(200, "ok");
  });
  HttpClient client;
  auto bad = client.Get(Url(*server, "/throw"));
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 500);
  EXPECT_EQ(bad->body, R"({"error":"internal error"})");
  auto good = client.Get(Url(*server, "/ok"));
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(good->status, 200);
}

TEST(HttpServerTest, BodyAtLimitAcceptedOnePastIs413) {
  HttpServerOptions o = Quiet();
  o.body_limit = 1024;
  auto server = StartServer(o);
  HttpClient client;
  auto at = client.Post(Url(*server, "/b"), std::string(1024, 'x'));
  ASSERT_TRUE(at.has_value()) << at.error().ToString();
  EXPECT_EQ(at->status, 200);
  EXPECT_EQ(at->body.size(), std::string("POST /b  ").size() + 1024);
  auto past = client.Post(Url(*server, "/b"), std::string(1025, 'x'));
  ASSERT_TRUE(past.has_value()) << past.error().ToString();
  EXPECT_EQ(past->status, 413);
  EXPECT_EQ(past->body, R"({"error":"request body exceeds 1024 bytes"})");
  EXPECT_EQ(past->headers.Get("content-type"), "application/json");
  auto after = client.Get(Url(*server, "/after"));
  ASSERT_TRUE(after.has_value()) << after.error().ToString();
  EXPECT_EQ(after->status, 200);
}

// The client is still uploading when the 413 goes out; the server drains instead of resetting.
TEST(HttpServerTest, LargeBodyPastLimitStillGets413) {
  HttpServerOptions o = Quiet();
  o.body_limit = 1024;
  auto server = StartServer(o);
  HttpClient client;
  auto past = client.Post(Url(*server, "/b"), std::string(4 << 20, 'x'));
  ASSERT_TRUE(past.has_value()) << past.error().ToString();
  EXPECT_EQ(past->status, 413);
}

TEST(HttpServerTest, ChunkedBodyPastLimitIs413) {
  HttpServerOptions o = Quiet();
  o.body_limit = 16;
  auto server = StartServer(o);
  RawConn conn(server->port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(
      conn.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "10\r\n0123456789abcdef\r\n1\r\nX\r\n0\r\n\r\n"));
  auto r = conn.ReadUntilClosed();
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.data.starts_with("HTTP/1.1 413")) << r.data;
}

TEST(HttpServerTest, HeaderPastLimitIs431) {
  HttpServerOptions o = Quiet();
  o.header_limit = 1024;
  auto server = StartServer(o);
  HttpClient client;
  Headers h;
  h.Set("x-big", std::string(2048, 'a'));
  auto res = client.Get(Url(*server, "/"), h);
  ASSERT_TRUE(res.has_value()) << res.error().ToString();
  EXPECT_EQ(res->status, 431);
  auto after = client.Get(Url(*server, "/"));
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->status, 200);
}

TEST(HttpServerTest, MalformedRequestIs400AndServerKeepsServing) {
  auto server = StartServer(Quiet());
  RawConn conn(server->port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.Send("THIS IS NOT HTTP\r\n\r\n"));
  auto r = conn.ReadUntilClosed();
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.data.starts_with("HTTP/1.1 400")) << r.data;
  HttpClient client;
  auto res = client.Get(Url(*server, "/"));
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 200);
}

// Request-smuggling shapes: the server must refuse rather than guess where the body ends.
TEST(HttpServerTest, AmbiguousFramingIs400) {
  auto server = StartServer(Quiet());
  for (std::string_view framing : {"Content-Length: 3\r\nContent-Length: 4\r\n",
                                   "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
                                   "Content-Length: -1\r\n", "Transfer-Encoding: gzip\r\n"}) {
    RawConn conn(server->port());
    ASSERT_TRUE(conn.connected());
    ASSERT_TRUE(conn.Send("POST / HTTP/1.1\r\nHost: x\r\n" + std::string(framing) + "\r\nabcd"));
    auto r = conn.ReadUntilClosed();
    EXPECT_TRUE(r.closed) << framing;
    EXPECT_TRUE(r.data.starts_with("HTTP/1.1 400")) << framing << r.data;
  }
}

TEST(HttpServerTest, PartialHeaderIsDisconnectedAfterHeaderTimeout) {
  HttpServerOptions o = Quiet();
  o.header_timeout = 200ms;
  auto server = StartServer(o);
  RawConn conn(server->port());
  ASSERT_TRUE(conn.connected());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(conn.Send("GET / HTTP/1.1\r\nHost: x\r\n"));
  auto r = conn.ReadUntilClosed();
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.data, "");
  EXPECT_GE(elapsed, 150ms);
}

TEST(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  HttpServerOptions o = Quiet();
  o.idle_timeout = 200ms;
  auto server = StartServer(o);
  RawConn conn(server->port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.Send("GET /i HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = conn.ReadUntilClosed();
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.data.starts_with("HTTP/1.1 200")) << r.data;
  EXPECT_NE(r.data.find("GET /i  "), std::string::npos);
}

TEST(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  auto server = StartServer(Quiet());
  RawConn conn(server->port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(
      conn.Send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
                "GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto r = conn.ReadUntilClosed();
  EXPECT_TRUE(r.closed);
  size_t first = r.data.find("GET /1 ");
  size_t second = r.data.find("GET /2 ");
  ASSERT_NE(first, std::string::npos) << r.data;
  ASSERT_NE(second, std::string::npos) << r.data;
  EXPECT_LT(first, second);
}

TEST(HttpServerTest, ExpectContinueIsHonoured) {
  auto server = StartServer(Quiet());
  RawConn conn(server->port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(
      conn.Send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                "Expect: 100-continue\r\nConnection: close\r\n\r\n"));
  ASSERT_TRUE(conn.Send("hi"));
  auto r = conn.ReadUntilClosed();
  EXPECT_TRUE(r.data.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200")) << r.data;
  EXPECT_NE(r.data.find("POST /e  hi"), std::string::npos);
}

TEST(HttpServerTest, HeadOmitsBody) {
  auto server = StartServer(Quiet());
  HttpClient client;
  auto head = client.Send("HEAD", Url(*server, "/h"));
  ASSERT_TRUE(head.has_value()) << head.error().ToString();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->headers.Get("content-length"), "9");  // "HEAD /h  "
  auto get = client.Get(Url(*server, "/g"));            // the connection is still in sync
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->body, "GET /g  ");
}

TEST(HttpServerTest, ConcurrentClients) {
  auto server = StartServer(Quiet());
  std::vector<std::future<int>> workers;
  for (int t = 0; t < 8; ++t) {
    workers.push_back(std::async(std::launch::async, [&, t] {
      HttpClient client;
      int ok = 0;
      for (int i = 0; i < 50; ++i) {
        std::string path = "/" + std::to_string(t) + "/" + std::to_string(i);
        auto res = client.Post(Url(*server, path), "b");
        ok += res.has_value() && res->body == "POST " + path + "  b";
      }
      return ok;
    }));
  }
  for (auto& w : workers) EXPECT_EQ(w.get(), 50);
}

TEST(HttpServerTest, StopLetsInFlightHandlerFinish) {
  std::promise<void> entered;
  std::atomic<bool> finished{false};
  auto server = StartServer(Quiet(), [&](const HttpRequest&) {
    entered.set_value();
    std::this_thread::sleep_for(300ms);  // simulated work, not test timing
    finished = true;
    return HttpResponse::Text(200, "done");
  });
  auto pending = std::async(std::launch::async, [&, url = Url(*server, "/slow")] {
    HttpClient client;
    return client.Get(url);
  });
  entered.get_future().wait();
  server->Stop(5s);
  EXPECT_TRUE(finished);
  auto res = pending.get();
  ASSERT_TRUE(res.has_value()) << res.error().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "done");
  HttpClient client;
  auto after = client.Get(Url(*server, "/"));
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().code(), Code::kUnavailable);
}

TEST(HttpServerTest, WaitReturnsAfterStop) {
  auto server = StartServer(Quiet());
  auto waiter = std::async(std::launch::async, [&] { server->Wait(/*handle_signals=*/true); });
  server->Stop();
  EXPECT_EQ(waiter.wait_for(10s), std::future_status::ready);
  auto plain = StartServer(Quiet());
  auto waiter2 = std::async(std::launch::async, [&] { plain->Wait(/*handle_signals=*/false); });
  plain->Stop();
  EXPECT_EQ(waiter2.wait_for(10s), std::future_status::ready);
}

TEST(HttpServerTest, BindFailureIsUnavailable) {
  auto first = StartServer(Quiet());
  HttpServerOptions o = Quiet();
  o.port = first->port();
  HttpServer second(o, testing::Echo);
  auto status = second.Start();
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code(), Code::kUnavailable);
  EXPECT_NE(status.error().message().find("127.0.0.1:" + std::to_string(o.port)),
            std::string::npos);
}

TEST(HttpServerTest, MissingTlsFilesAreInvalidArgument) {
  HttpServerOptions o = Quiet();
  o.tls_cert_file = "/nonexistent/cert.pem";
  o.tls_key_file = "/nonexistent/key.pem";
  HttpServer server(o, testing::Echo);
  auto status = server.Start();
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code(), Code::kInvalidArgument);
}

TEST(HttpServerTest, HttpsWithCaFileSucceedsWithoutItFails) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  ASSERT_TRUE(testing::MakeSelfSignedCert(dir.path().string()));
  HttpServerOptions o = Quiet();
  o.tls_cert_file = dir.File("cert.pem");
  o.tls_key_file = dir.File("key.pem");
  auto server = StartServer(o);
  HttpClientOptions trusted_options;
  trusted_options.ca_file = dir.File("cert.pem");
  HttpClient trusted(trusted_options);
  for (int i = 0; i < 3; ++i) {
    auto res = trusted.Post(Url(*server, "/tls", /*tls=*/true), "secret");
    ASSERT_TRUE(res.has_value()) << res.error().ToString();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "POST /tls  secret");
  }
  HttpClient untrusted;
  auto res = untrusted.Get(Url(*server, "/tls", /*tls=*/true));
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code(), Code::kFailedPrecondition);  // no retry makes it trusted
  HttpClient plain;  // plain HTTP to the TLS port fails without hurting the server
  auto mismatched = plain.Get(Url(*server, "/tls", /*tls=*/false));
  ASSERT_FALSE(mismatched.has_value());
  EXPECT_EQ(mismatched.error().code(), Code::kUnavailable);
  HttpClientOptions insecure_options;
  insecure_options.insecure_skip_verify = true;
  HttpClient insecure(insecure_options);
  auto skipped = insecure.Get(Url(*server, "/tls", /*tls=*/true));
  ASSERT_TRUE(skipped.has_value()) << skipped.error().ToString();
  EXPECT_EQ(skipped->status, 200);
}

// ca_pem (initdata's kbc.kbs_cert) is the only trust anchor: the server's own self-signed
// certificate is accepted, any other certificate is refused, even with a ca_file that would pass.
TEST(HttpServerTest, CaPemTrustsExactlyThatCertificate) {
  testing::TempDir dir, other;
  ASSERT_TRUE(testing::MakeSelfSignedCert(dir.path().string()));
  ASSERT_TRUE(testing::MakeSelfSignedCert(other.path().string()));
  HttpServerOptions o = Quiet();
  o.tls_cert_file = dir.File("cert.pem");
  o.tls_key_file = dir.File("key.pem");
  auto server = StartServer(o);
  HttpClientOptions exact;
  exact.ca_pem = base::ReadFile(dir.File("cert.pem"), "cert").value_or("");
  auto res = HttpClient(exact).Get(Url(*server, "/tls", /*tls=*/true));
  ASSERT_TRUE(res.has_value()) << res.error().ToString();
  EXPECT_EQ(res->status, 200);
  HttpClientOptions wrong;
  wrong.ca_pem = base::ReadFile(other.File("cert.pem"), "cert").value_or("");
  wrong.ca_file = dir.File("cert.pem");  // ignored: ca_pem wins
  auto refused = HttpClient(wrong).Get(Url(*server, "/tls", /*tls=*/true));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("SSL"), std::string::npos) << refused.error().message();
}

}  // namespace
}  // namespace cocoon::net
