// KbsServer in-process on a free loopback port: it serves the KBS API, reports its port, stops;
// the socket syntax and the listener options [http_server] gives.
#include "kbs/server.h"

#include <gtest/gtest.h>

#include "net/http_client.h"
#include "tee/sample/sample.h"

namespace cocoon::kbs {
namespace {

TEST(SplitSocket, AddressAndPort) {
  EXPECT_EQ(*SplitSocket("127.0.0.1:8080"),
            std::make_pair(std::string("127.0.0.1"), uint16_t{8080}));
  EXPECT_EQ(*SplitSocket("[::1]:0"), std::make_pair(std::string("::1"), uint16_t{0}));
  auto none = SplitSocket("localhost");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(none.error().message(), "socket must be ip:port: localhost");
  EXPECT_EQ(SplitSocket("1.2.3.4:70000").error().message(), "bad port in socket 1.2.3.4:70000");
}

TEST(ListenerOptions, FromHttpServerConfig) {
  KbsConfig c;
  c.http_server.worker_count = 3;
  c.http_server.payload_request_size_mib = 4;
  c.http_server.insecure_http = false;
  c.http_server.certificate = "/c.pem";
  c.http_server.private_key = "/k.pem";
  net::HttpServerOptions o = ListenerOptions(c, "0.0.0.0", 8443);
  EXPECT_EQ(o.address, "0.0.0.0");
  EXPECT_EQ(o.port, 8443);
  EXPECT_EQ(o.threads, 3);
  EXPECT_EQ(o.body_limit, size_t{4} << 20);
  EXPECT_EQ(o.tls_cert_file, "/c.pem");
  EXPECT_EQ(o.tls_key_file, "/k.pem");
  c.http_server.insecure_http = true;
  c.http_server.worker_count = 0;
  o = ListenerOptions(c, "127.0.0.1", 0);
  EXPECT_EQ(o.tls_cert_file, "");
  EXPECT_GE(o.threads, 1);
}

TEST(KbsServer, ServesTheKbsApiUntilStopped) {
  KbsConfig c;
  c.http_server.sockets = {"127.0.0.1:0", "127.0.0.1:0"};
  c.http_server.insecure_http = true;
  c.storage_backend.storage_type = "Memory";
  c.admin.authorization_mode = "DenyAll";
  tee::VerifierRegistry verifiers;
  verifiers.Register("sample", tee::sample::NewVerifier());
  auto server = KbsServer::Start(c, &verifiers);
  ASSERT_TRUE(server) << server.error().ToString();
  std::vector<uint16_t> ports = (*server)->ports();
  ASSERT_EQ(ports.size(), 2u);
  net::HttpClient http;
  for (uint16_t port : ports) {
    ASSERT_GT(port, 0);
    auto r = http.Get("http://127.0.0.1:" + std::to_string(port) + "/kbs/v0/resource/a/b/c");
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(r->status, 401);  // no attestation token
  }
  (*server)->Stop();
  (*server)->Stop();  // idempotent
  auto after = http.Get("http://127.0.0.1:" + std::to_string(ports[0]) + "/kbs/v0/resource/a/b/c");
  EXPECT_FALSE(after);
}

TEST(KbsServer, StartErrorsAreTheLinesCocoonKbsLogs) {
  KbsConfig c;
  c.http_server.insecure_http = true;
  c.storage_backend.storage_type = "Memory";
  c.admin.authorization_mode = "DenyAll";
  tee::VerifierRegistry verifiers;
  c.http_server.sockets = {"nowhere"};
  auto bad = KbsServer::Start(c, &verifiers);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.error().message(), "InvalidArgument: socket must be ip:port: nowhere");
  c.http_server.sockets = {"127.0.0.1:0"};
  c.storage_backend.storage_type = "Bogus";
  auto store = KbsServer::Start(c, &verifiers);
  ASSERT_FALSE(store);
  EXPECT_TRUE(store.error().message().starts_with("cannot start cocoon-kbs: "))
      << store.error().message();
}

}  // namespace
}  // namespace cocoon::kbs
