// Unit tests for the HTTP value types: headers, cookies, bearer tokens, query and %-decoding.
#include "net/http.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace cocoon::net {
namespace {

TEST(HeadersTest, NamesAreCaseInsensitive) {
  Headers h;
  h.Set("Content-Type", "text/plain");
  EXPECT_EQ(h.Get("content-type"), "text/plain");
  EXPECT_EQ(h.Get("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(h.all().begin()->first, "content-type");
  EXPECT_FALSE(h.Get("missing").has_value());
}

TEST(HeadersTest, AddKeepsValuesAndSetReplacesThem) {
  Headers h;
  h.Add("Set-Cookie", "a=1");
  h.Add("set-cookie", "b=2");
  EXPECT_EQ(h.GetAll("SET-COOKIE"), (std::vector<std::string_view>{"a=1", "b=2"}));
  h.Set("Set-Cookie", "c=3");
  EXPECT_EQ(h.GetAll("set-cookie"), (std::vector<std::string_view>{"c=3"}));
}

TEST(CookieTest, ParsesPairsAcrossHeaders) {
  HttpRequest req;
  req.headers.Add("Cookie", "a=b; c=d");
  req.headers.Add("Cookie", "e=\"quoted\";f=g=h");
  EXPECT_EQ(req.Cookie("a"), "b");
  EXPECT_EQ(req.Cookie("c"), "d");
  EXPECT_EQ(req.Cookie("e"), "quoted");
  EXPECT_EQ(req.Cookie("f"), "g=h");
  EXPECT_FALSE(req.Cookie("x").has_value());
  EXPECT_FALSE(req.Cookie("b").has_value());  // values are not names
}

TEST(CookieTest, IgnoresMalformedPieces) {
  HttpRequest req;
  req.headers.Add("Cookie", ";; junk ; =v; k=");
  EXPECT_EQ(req.Cookie("k"), "");
  EXPECT_FALSE(req.Cookie("junk").has_value());
}

TEST(BearerTokenTest, AcceptsAnyCaseScheme) {
  HttpRequest req;
  req.headers.Set("Authorization", "bEaReR abc.def");
  EXPECT_EQ(req.BearerToken(), "abc.def");
}

TEST(BearerTokenTest, RejectsOtherSchemesAndEmptyTokens) {
  HttpRequest req;
  EXPECT_FALSE(req.BearerToken().has_value());
  req.headers.Set("Authorization", "Basic dXNlcjpwdw==");
  EXPECT_FALSE(req.BearerToken().has_value());
  req.headers.Set("Authorization", "Bearer ");
  EXPECT_FALSE(req.BearerToken().has_value());
  req.headers.Set("Authorization", "Bearer    ");
  EXPECT_FALSE(req.BearerToken().has_value());
  req.headers.Set("Authorization", "Bearerabc");
  EXPECT_FALSE(req.BearerToken().has_value());
}

TEST(HttpResponseTest, HelpersSetContentType) {
  HttpResponse json = HttpResponse::Json(201, R"({"a":1})");
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.headers.Get("content-type"), "application/json");
  EXPECT_EQ(json.body, R"({"a":1})");
  HttpResponse text = HttpResponse::Text(404, "nope");
  EXPECT_EQ(text.headers.Get("Content-Type"), "text/plain");
  HttpResponse html = HttpResponse::Text(200, "<p>", "text/html");
  EXPECT_EQ(html.headers.Get("content-type"), "text/html");
}

TEST(PercentDecodeTest, DecodesEscapes) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc%2f"), "a b/c/");
  EXPECT_EQ(PercentDecode(""), "");
  EXPECT_EQ(PercentDecode("plain+text"), "plain+text");  // '+' only means space in queries
  EXPECT_EQ(PercentDecode("%00"), std::string(1, '\0'));
}

TEST(PercentDecodeTest, RejectsMalformedEscapes) {
  EXPECT_FALSE(PercentDecode("%").has_value());
  EXPECT_FALSE(PercentDecode("%2").has_value());
  EXPECT_FALSE(PercentDecode("abc%").has_value());
  EXPECT_FALSE(PercentDecode("%zz").has_value());
  EXPECT_FALSE(PercentDecode("%2g").has_value());
  EXPECT_FALSE(PercentDecode("%g2").has_value());
}

TEST(NormalizePathTest, DecodesThenRemovesDotSegments) {
  EXPECT_EQ(NormalizePath("/kbs/v0/resource/%73ecret/k/1"), "/kbs/v0/resource/secret/k/1");
  EXPECT_EQ(NormalizePath("/kbs//v0///auth"), "/kbs/v0/auth");
  EXPECT_EQ(NormalizePath("/kbs/./v0/x/../auth"), "/kbs/v0/auth");
  EXPECT_EQ(NormalizePath("/kbs/v0/a/%2e%2e/b"), "/kbs/v0/b");
  EXPECT_EQ(NormalizePath("/kbs/v0/a%2F..%2Fb"), "/kbs/v0/b");
  EXPECT_EQ(NormalizePath("/kbs/v0/"), "/kbs/v0/");
  EXPECT_EQ(NormalizePath("/"), "/");
  EXPECT_EQ(NormalizePath("/a/.."), "/");
  EXPECT_EQ(NormalizePath("/..%2e"), "/...");  // "..." is a name, not a dot segment
  // Idempotent on its own output.
  EXPECT_EQ(NormalizePath(*NormalizePath("/a/./b//c/")), "/a/b/c/");
}

TEST(NormalizePathTest, RejectsWhatCannotBeRouted) {
  EXPECT_FALSE(NormalizePath("/..").has_value());
  EXPECT_FALSE(NormalizePath("/a/../../b").has_value());
  EXPECT_FALSE(NormalizePath("/%2e%2e/etc").has_value());
  EXPECT_FALSE(NormalizePath("/a%00b").has_value());
  EXPECT_FALSE(NormalizePath("/a%zz").has_value());
  EXPECT_FALSE(NormalizePath("relative").has_value());
  EXPECT_FALSE(NormalizePath("").has_value());
}

TEST(ParseQueryTest, SplitsAndDecodes) {
  auto q = ParseQuery("a=1&b=hello+world&c=%41%42&d&e=");
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(q["a"], "1");
  EXPECT_EQ(q["b"], "hello world");
  EXPECT_EQ(q["c"], "AB");
  EXPECT_EQ(q["d"], "");
  EXPECT_EQ(q["e"], "");
}

TEST(ParseQueryTest, LastValueWinsAndMalformedPairsAreDropped) {
  auto q = ParseQuery("a=1&a=2&&=x&bad=%zz&k%3D=v%26");
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q["a"], "2");
  EXPECT_EQ(q["k="], "v&");
  EXPECT_TRUE(ParseQuery("").empty());
}

// The code of a non-2xx reply follows its status; the RFC 7807 detail is quoted.
TEST(ErrorFromReplyTest, CodeFollowsStatusAndDetailIsQuoted) {
  const std::vector<std::pair<int, Code>> cases = {
      {400, Code::kInvalidArgument},    {401, Code::kUnauthenticated},
      {403, Code::kPermissionDenied},   {404, Code::kNotFound},
      {409, Code::kFailedPrecondition}, {412, Code::kFailedPrecondition},
      {413, Code::kResourceExhausted},  {429, Code::kResourceExhausted},
      {501, Code::kUnimplemented},      {503, Code::kUnavailable},
  };
  for (auto [status, code] : cases) {
    EXPECT_EQ(ErrorFromReply(status, "", "x").code(), code) << status;
  }
  Error e = ErrorFromReply(400, R"({"type":"t","detail":"policy:2:5: unexpected token"})",
                           "resource-policy");
  EXPECT_EQ(e.message(), "resource-policy: server answered 400: policy:2:5: unexpected token");
}

}  // namespace
}  // namespace cocoon::net
