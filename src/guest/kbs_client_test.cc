// Guest KBS client: URI parsing, and conformance against a server that replays Trustee's
// recorded messages (the synthetic RCAR vector): our client must accept them and decrypt the
// recorded JWE with the vector's TEE key.
#include "guest/kbs_client.h"

#include <gtest/gtest.h>


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

}  // namespace
}  // namespace cocoon::guest
