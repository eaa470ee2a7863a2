// Guest KBS client: URI parsing, and conformance against a server that replays Trustee's
// recorded messages (the synthetic RCAR vector): our client must accept them and decrypt the
// recorded JWE with the vector's TEE key.
#include "guest/kbs_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "net/http_server.h"
#include "tee/sample/sample.h"
#include "testutil/testdata.h"

namespace cocoon::guest {
namespace {

TEST(ResourceUri, ParsesKbsForms) {
  auto u = ParseResourceUri("kbs:///default/key/1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->plugin, "resource");
  EXPECT_EQ(u->path, "default/key/1");
  u = ParseResourceUri("kbs+sample://kbs.example:8080/a/b?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->plugin, "sample");
  EXPECT_EQ(u->path, "a/b");
  EXPECT_EQ(u->query, "x=1");
  EXPECT_EQ(ParseResourceUri("https://x/a").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseResourceUri("kbs://").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseResourceUri("kbs:///").error().code(), Code::kInvalidArgument);
}

TEST(TeeKeyType, Names) {
  EXPECT_EQ(*ParseTeeKeyType("ec"), TeeKeyType::kEcP256);
  EXPECT_EQ(*ParseTeeKeyType("rsa"), TeeKeyType::kRsa2048);
  EXPECT_EQ(ParseTeeKeyType("dsa").error().code(), Code::kInvalidArgument);
}

Json Vector() { return testutil::TestdataJson("sample/rcar-sample-synthetic-vector.json"); }

// Serves the vector's challenge, a token, and the recorded JWE; records what the client sent.
struct ReplayServer {
  explicit ReplayServer(Json v) : vec(std::move(v)) {
    server = std::make_unique<net::HttpServer>(
        net::HttpServerOptions{}, [this](const net::HttpRequest& r) {
          if (r.path == "/kbs/v0/auth") {
            auth_body = r.body;
            auto resp = net::HttpResponse::Json(200, vec["challenge"].dump());
            resp.headers.Add("set-cookie", "kbs-session-id=00112233445566778899aabbccddeeff");
            return resp;
          }
          if (r.path == "/kbs/v0/attest") {
            attest_body = r.body;
            attest_cookie = r.Cookie("kbs-session-id").value_or("");
            return net::HttpResponse::Json(200, R"({"token":"recorded.token.value"})");
          }
          if (r.path == "/kbs/v0/resource/default/key/1") {
            resource_cookie = r.Cookie("kbs-session-id").value_or("");
            return net::HttpResponse::Json(200, vec["jwe"]["response"].dump());
          }
          return net::HttpResponse::Json(404, R"({"type":"x","detail":"nope"})");
        });
    EXPECT_TRUE(server->Start());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }

  Json vec;
  std::unique_ptr<net::HttpServer> server;
  std::string auth_body, attest_body, attest_cookie, resource_cookie;
};

TEST(KbsClient, AcceptsTrusteeServerMessagesAndDecryptsRecordedJwe) {
  Json v = Vector();
  ReplayServer srv(v);
  KbsClientOptions o;
  o.url = srv.url() + "/";
  o.tee_key = *crypto::PrivateKey::FromPem(v["tee_private_key_pem"].get<std::string>());
  auto client = KbsClient::Create(std::move(o), tee::sample::NewAttester());
  ASSERT_TRUE(client);
  auto secret = (*client)->GetResource("kbs:///default/key/1");
  ASSERT_TRUE(secret) << secret.error().ToString();
  EXPECT_EQ(secret->view(), "this is a test secret");
  EXPECT_EQ((*client)->token(), "recorded.token.value");
  // What the client sent is what Trustee expects.
  Json auth = *base::ParseJson(srv.auth_body);
  EXPECT_EQ(auth["version"], "0.4.0");
  EXPECT_EQ(auth["tee"], "sample");
  Json att = *base::ParseJson(srv.attest_body);
  EXPECT_EQ(att["runtime-data"], v["attestation"]["runtime-data"]);
  EXPECT_EQ(att["tee-evidence"], v["attestation"]["tee-evidence"]);
  EXPECT_EQ(srv.attest_cookie, "00112233445566778899aabbccddeeff");
  EXPECT_EQ(srv.resource_cookie, "00112233445566778899aabbccddeeff");
}

TEST(KbsClient, ReportsKbsErrorDetail) {
  Json v = Vector();
  ReplayServer srv(v);
  KbsClientOptions o;
  o.url = srv.url();
  auto client = KbsClient::Create(std::move(o), tee::sample::NewAttester());
  ASSERT_TRUE(client);
  auto r = (*client)->GetResource("kbs:///default/key/2");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kNotFound);
  EXPECT_NE(r.error().message().find("nope"), std::string::npos);
}

TEST(KbsClient, TamperedJweIsRejected) {
  Json v = Vector();
  std::string ct = v["jwe"]["response"]["ciphertext"];
  ct[0] = ct[0] == 'R' ? 'S' : 'R';
  v["jwe"]["response"]["ciphertext"] = ct;
  ReplayServer srv(v);
  KbsClientOptions o;
  o.url = srv.url();
  o.tee_key = *crypto::PrivateKey::FromPem(v["tee_private_key_pem"].get<std::string>());
  auto client = KbsClient::Create(std::move(o), tee::sample::NewAttester());
  auto r = (*client)->GetResource("kbs:///default/key/1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
}

TEST(KbsClient, UnreachableKbsIsUnavailable) {
  KbsClientOptions o;
  o.url = "http://127.0.0.1:1";
  auto client = KbsClient::Create(std::move(o), tee::sample::NewAttester());
  auto r = (*client)->Attest();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnavailable);
}

// Only transient failures are retried: a DNS failure or TLS spoken to a plain-HTTP KBS comes
// back at once (with a 1 s backoff, a retry would show in the time taken).
KbsClientOptions SlowRetries(std::string url) {
  KbsClientOptions o;
  o.url = std::move(url);
  o.connect_attempts = 5;
  o.retry_delay = std::chrono::milliseconds(1000);
  return o;
}

TEST(KbsClient, UnresolvableKbsHostIsReportedAtOnce) {
  auto client = KbsClient::Create(SlowRetries("http://cocoon-no-such-host.invalid:8080"),
                                  tee::sample::NewAttester());
  ASSERT_TRUE(client);
  auto start = std::chrono::steady_clock::now();
  auto r = (*client)->Attest();
  ASSERT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition) << r.error().ToString();
  EXPECT_NE(r.error().message().find("does not resolve"), std::string::npos) << r.error().message();
}

TEST(KbsClient, HttpsToPlainHttpKbsIsReportedAtOnce) {
  ReplayServer srv(Vector());
  std::string url = srv.url();
  url.replace(0, 4, "https");
  auto client = KbsClient::Create(SlowRetries(url), tee::sample::NewAttester());
  ASSERT_TRUE(client);
  auto start = std::chrono::steady_clock::now();
  auto r = (*client)->Attest();
  ASSERT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition) << r.error().ToString();
  EXPECT_NE(r.error().message().find("plain HTTP"), std::string::npos) << r.error().message();
}

// A KBS that answers `status` to every request; counts them.
struct StatusServer {
  explicit StatusServer(int status) {
    server = std::make_unique<net::HttpServer>(
        net::HttpServerOptions{}, [this, status](const net::HttpRequest&) {
          ++requests;
          return net::HttpResponse::Json(status, R"({"type":"x","detail":"busy"})");
        });
    EXPECT_TRUE(server->Start());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
  std::atomic<int> requests{0};
  std::unique_ptr<net::HttpServer> server;
};

TEST(KbsClient, ServerErrorsAreRetriedClientErrorsAreNot) {
  for (int status : {503, 429}) {
    StatusServer busy(status);
    KbsClientOptions o;
    o.url = busy.url();
    o.connect_attempts = 3;
    o.retry_delay = std::chrono::milliseconds(10);
    auto r = (*KbsClient::Create(std::move(o), tee::sample::NewAttester()))->Attest();
    ASSERT_FALSE(r);
    EXPECT_EQ(busy.requests.load(), 3) << status;
    EXPECT_EQ(r.error().code(), Code::kUnavailable);
    EXPECT_NE(r.error().message().find("kept failing (HTTP " + std::to_string(status) +
                                       ") after 3 attempts"),
              std::string::npos)
        << r.error().message();
  }
  StatusServer refusing(400);
  KbsClientOptions o;
  o.url = refusing.url();
  o.connect_attempts = 3;
  o.retry_delay = std::chrono::milliseconds(10);
  auto r = (*KbsClient::Create(std::move(o), tee::sample::NewAttester()))->Attest();
  ASSERT_FALSE(r);
  EXPECT_EQ(refusing.requests.load(), 1);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_NE(r.error().message().find("busy"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace cocoon::guest
