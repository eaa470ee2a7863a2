// Tests for HttpClient against the real HttpServer on 127.0.0.1: cookies, limits, timeouts,
// transport errors.
#include "net/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "net/testing/http_test_server.h"

namespace cocoon::net {
namespace {

using namespace std::chrono_literals;
using testing::StartServer;
using testing::Url;

HttpServerOptions Quiet() {
  HttpServerOptions o;
  o.access_log = false;
  return o;
}

HttpResponse CookieHandler(const HttpRequest& req) {
  if (req.path == "/login") {
    HttpResponse res = HttpResponse::Text(200, "ok");
    res.headers.Add("Set-Cookie", "session=abc123; Path=/; HttpOnly");
    res.headers.Add("Set-Cookie", "theme=dark; Path=/");
    return res;
  }
  return HttpResponse::Text(
      200, req.Cookie("session").value_or("none") + "," + req.Cookie("theme").value_or("none"));
}

TEST(HttpClientTest, CookiesSetByServerAreSentBack) {
  auto server = StartServer(Quiet(), CookieHandler);
  HttpClient client;
  auto before = client.Get(Url(*server, "/whoami"));
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->body, "none,none");
  auto login = client.Post(Url(*server, "/login"), "");
  ASSERT_TRUE(login.has_value());
  EXPECT_EQ(login->headers.GetAll("set-cookie").size(), 2u);
  auto after = client.Get(Url(*server, "/whoami"));
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->body, "abc123,dark");
  client.ClearCookies();
  auto cleared = client.Get(Url(*server, "/whoami"));
  ASSERT_TRUE(cleared.has_value());
  EXPECT_EQ(cleared->body, "none,none");
}

TEST(HttpClientTest, CookiesCanBeDisabled) {
  auto server = StartServer(Quiet(), CookieHandler);
  HttpClientOptions client_options;
  client_options.cookies = false;
  HttpClient client(client_options);
  ASSERT_TRUE(client.Post(Url(*server, "/login"), "").has_value());
  auto after = client.Get(Url(*server, "/whoami"));
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->body, "none,none");
}

TEST(HttpClientTest, AnyStatusIsSuccessAndHeadersAreLowerCase) {
  auto server = StartServer(Quiet(), [](const HttpRequest&) {
    HttpResponse res = HttpResponse::Json(404, R"({"error":"nope"})");
    res.headers.Set("X-Mixed-Case", "Value");
    return res;
  });
  HttpClient client;
  auto res = client.Get(Url(*server, "/missing"));
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->headers.Get("x-mixed-case"), "Value");
  EXPECT_EQ(res->headers.all().count("x-mixed-case"), 1u);
  EXPECT_EQ(res->headers.Get("content-type"), "application/json");
}

TEST(HttpClientTest, TimeoutIsDeadlineExceeded) {
  auto server = StartServer(Quiet(), [](const HttpRequest&) {
    std::this_thread::sleep_for(500ms);  // a slow handler, longer than the client's timeout
    return HttpResponse::Text(200, "late");
  });
  HttpClientOptions client_options;
  client_options.timeout = 100ms;
  HttpClient client(client_options);
  auto res = client.Get(Url(*server, "/slow"));
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code(), Code::kDeadlineExceeded);
  EXPECT_NE(res.error().message().find("/slow"), std::string::npos);
}

TEST(HttpClientTest, ResponsePastLimitIsResourceExhausted) {
  auto server = StartServer(Quiet(), [](const HttpRequest& req) {
    return HttpResponse::Text(200, std::string(req.path == "/big" ? 4097 : 4096, 'z'));
  });
  HttpClientOptions client_options;
  client_options.max_response_bytes = 4096;
  HttpClient client(client_options);
  auto at = client.Get(Url(*server, "/at"));
  ASSERT_TRUE(at.has_value()) << at.error().ToString();
  EXPECT_EQ(at->body.size(), 4096u);
  auto past = client.Get(Url(*server, "/big"));
  ASSERT_FALSE(past.has_value());
  EXPECT_EQ(past.error().code(), Code::kResourceExhausted);
  auto again = client.Get(Url(*server, "/at"));  // the client recovers
  ASSERT_TRUE(again.has_value());
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailable) {
  uint16_t port;
  {
    auto server = StartServer(Quiet());
    port = server->port();
  }
  HttpClient client;
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto res = client.Get(url);
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code(), Code::kUnavailable);
  EXPECT_NE(res.error().message().find(url), std::string::npos);
}

TEST(HttpClientTest, OtherSchemesAreRejected) {
  HttpClient client;
  auto res = client.Get("file:///etc/passwd");
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code(), Code::kFailedPrecondition);
  EXPECT_FALSE(IsTransient(res));
}

// No retry can fix these: each is FailedPrecondition (not transient) with a hint in the message.
TEST(HttpClientTest, UnresolvableHostIsNotTransient) {
  HttpClient client;
  auto res = client.Get("http://cocoon-no-such-host.invalid:8080/");  // RFC 6761: never resolves
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code(), Code::kFailedPrecondition) << res.error().ToString();
  EXPECT_FALSE(IsTransient(res));
  EXPECT_NE(res.error().message().find("does not resolve"), std::string::npos)
      << res.error().message();
}

TEST(HttpClientTest, TlsToPlainHttpPortIsNotTransientAndSaysSo) {
  auto server = StartServer(Quiet());
  HttpClient client;
  auto res = client.Get(Url(*server, "/", /*tls=*/true));
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code(), Code::kFailedPrecondition) << res.error().ToString();
  EXPECT_TRUE(IsPlainHttpAnswer(res.error())) << res.error().message();
  EXPECT_FALSE(IsTransient(res));
}

TEST(HttpClientTest, UntrustedCertificateIsNotTransient) {
  testing::TempDir dir;
  ASSERT_TRUE(testing::MakeSelfSignedCert(dir.path().string()));
  HttpServerOptions o = Quiet();
  o.tls_cert_file = dir.File("cert.pem");
  o.tls_key_file = dir.File("key.pem");
  auto server = StartServer(o);
  HttpClient client;
  auto res = client.Get(Url(*server, "/", /*tls=*/true));
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code(), Code::kFailedPrecondition) << res.error().ToString();
  EXPECT_NE(res.error().message().find("certificate did not verify"), std::string::npos)
      << res.error().message();
  EXPECT_FALSE(IsTransient(res));
  EXPECT_FALSE(IsPlainHttpAnswer(res.error()));
}

TEST(HttpClientTest, TransientMeansRefusedTimeoutFiveHundredsAnd429) {
  EXPECT_TRUE(IsTransient(Result<ClientResponse>(Unavailable("refused"))));
  EXPECT_TRUE(IsTransient(Result<ClientResponse>(DeadlineExceeded("timeout"))));
  EXPECT_FALSE(IsTransient(Result<ClientResponse>(FailedPrecondition("dns"))));
  for (int status : {500, 502, 503, 504, 429}) {
    EXPECT_TRUE(IsTransient(ClientResponse{.status = status, .headers = {}, .body = ""})) << status;
  }
  for (int status : {200, 400, 401, 403, 404, 409}) {
    EXPECT_FALSE(IsTransient(ClientResponse{.status = status, .headers = {}, .body = ""}))
        << status;
  }
}

TEST(HttpClientTest, MovedFromClientFailsCleanly) {
  HttpClient a;
  HttpClient b(std::move(a));
  auto res = a.Get("http://127.0.0.1:1/");  // NOLINT(bugprone-use-after-move)
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace cocoon::net
