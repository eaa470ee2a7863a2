// AdminAuthorizer tests: modes, Bearer JWT verification per identity provider (PEM, JWKS,
// legacy auth_public_key), alg confusion, claim checks and the role/regex ACL.
#include "kbs/admin_auth.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/encoding.h"
#include "base/limits.h"
#include "crypto/sign.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "testutil/temp_dir.h"

namespace cocoon::kbs {
namespace {

namespace fs = std::filesystem;
using crypto::KeyType;
using crypto::PrivateKey;
using crypto::SignAlg;

constexpr int64_t kNow = 1'750'000'000;
constexpr char kIssuer[] = "cocoon-test";
constexpr char kAudience[] = "kbs-admin";

using testutil::TempDir;

void WriteFile(const fs::path& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

PrivateKey Generate(KeyType type) {
  auto key = PrivateKey::Generate(type);
  EXPECT_TRUE(key.has_value());
  return std::move(*key);
}

Json Claims(std::string_view role) {
  return Json{{"iss", kIssuer},
              {"aud", kAudience},
              {"role", std::string(role)},
              {"iat", kNow},
              {"exp", kNow + 600}};
}

std::string SignToken(const PrivateKey& key, SignAlg alg, const Json& claims,
                      const OrderedJson& header = OrderedJson::object()) {
  auto token = jose::SignJwt(key, alg, claims, header);
  EXPECT_TRUE(token.has_value()) << token.error().ToString();
  return token.value_or("");
}

// A request as the HTTP server builds it: `path` is the normalised path, `query` the raw query.
net::HttpRequest Request(std::string target, std::optional<std::string> token,
                         std::string method = "POST") {
  net::HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  size_t q = r.target.find('?');
  r.path = net::NormalizePath(std::string_view(r.target).substr(0, q)).value_or("");
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  if (token) r.headers.Set("Authorization", "Bearer " + *token);
  return r;
}

Code CodeOf(const Status& s) { return s ? Code::kOk : s.error().code(); }

// True if `s` failed with `code` and a message containing `part`.
::testing::AssertionResult FailsWith(const Status& s, Code code, std::string_view part) {
  if (s) return ::testing::AssertionFailure() << "succeeded";
  if (s.error().code() != code || s.error().message().find(part) == std::string::npos) {
    return ::testing::AssertionFailure() << s.error().ToString();
  }
  return ::testing::AssertionSuccess();
}

class AdminAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    WriteFile(dir_.path() / "ed.pem", ed_.public_key().ToPem().value());
    OrderedJson jwk = jose::PublicKeyToJwk(p256_.public_key(), "ES256");
    jwk["kid"] = "p256-1";
    OrderedJson jwks;
    jwks["keys"] = OrderedJson::array({jwk});
    WriteFile(dir_.path() / "jwks.json", base::DumpJson(jwks));
    config_.authorization_mode = "AuthenticatedAuthorization";
    config_.identity_providers = {
        {kIssuer, kAudience, (dir_.path() / "ed.pem").string(), ""},
        {kIssuer, kAudience, "", "file://" + (dir_.path() / "jwks.json").string()}};
    config_.acls = {{"admin", "^/kbs/.+$"}, {"reader", "^/kbs/v0/reference-value/[a-z_]+$"}};
  }

  std::unique_ptr<AdminAuthorizer> Make() {
    auto a = AdminAuthorizer::Create(config_);
    EXPECT_TRUE(a.has_value()) << a.error().ToString();
    return a ? std::move(*a) : nullptr;
  }

  Status Check(const std::string& token, std::string target = "/kbs/v0/resource-policy") {
    auto a = Make();
    if (!a) return Internal("no authorizer");
    return a->Authorize(Request(std::move(target), token), kNow);
  }

  TempDir dir_;
  PrivateKey ed_ = Generate(KeyType::kEd25519);
  PrivateKey p256_ = Generate(KeyType::kEcP256);
  AdminConfig config_;
};

TEST_F(AdminAuthTest, AcceptsEdDsaToken) {
  EXPECT_EQ(CodeOf(Check(SignToken(ed_, SignAlg::kEdDsa, Claims("admin")))), Code::kOk);
}

TEST_F(AdminAuthTest, AcceptsEs256TokenFromJwksWithAndWithoutKid) {
  EXPECT_EQ(CodeOf(Check(SignToken(p256_, SignAlg::kEs256, Claims("admin"), {{"kid", "p256-1"}}))),
            Code::kOk);
  EXPECT_EQ(CodeOf(Check(SignToken(p256_, SignAlg::kEs256, Claims("admin")))), Code::kOk);
  EXPECT_TRUE(FailsWith(Check(SignToken(p256_, SignAlg::kEs256, Claims("admin"), {{"kid", "x"}})),
                        Code::kUnauthenticated, "no identity provider key accepts"));
}

TEST_F(AdminAuthTest, AcceptsRs256FromRsaPem) {
  auto rsa = PrivateKey::Generate(KeyType::kRsa, 2048);
  ASSERT_TRUE(rsa.has_value());
  WriteFile(dir_.path() / "rsa.pem", rsa->public_key().ToPem().value());
  config_.identity_providers = {{kIssuer, kAudience, (dir_.path() / "rsa.pem").string(), ""}};
  EXPECT_EQ(CodeOf(Check(SignToken(*rsa, SignAlg::kRs256, Claims("admin")))), Code::kOk);
  EXPECT_EQ(CodeOf(Check(SignToken(*rsa, SignAlg::kPs256, Claims("admin")))), Code::kOk);
}

TEST_F(AdminAuthTest, MissingTokenIsUnauthenticated) {
  auto a = Make();
  ASSERT_NE(a, nullptr);
  auto s = a->Authorize(Request("/kbs/v0/resource-policy", std::nullopt), kNow);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kUnauthenticated);
  EXPECT_EQ(s.error().message(), "admin token not found");
}

TEST_F(AdminAuthTest, MalformedTokenIsUnauthenticated) {
  EXPECT_TRUE(FailsWith(Check("not-a-jwt"), Code::kUnauthenticated, "malformed"));
  EXPECT_TRUE(FailsWith(Check("a.b.c"), Code::kUnauthenticated, "malformed"));
  std::string token = SignToken(ed_, SignAlg::kEdDsa, Claims("admin"));
  EXPECT_TRUE(FailsWith(Check(token + "x"), Code::kUnauthenticated, "malformed"));
}

TEST_F(AdminAuthTest, TokenFromAnotherKeyIsUnauthenticatedAndNotEchoed) {
  std::string token = SignToken(Generate(KeyType::kEd25519), SignAlg::kEdDsa, Claims("admin"));
  auto s = Check(token);
  ASSERT_TRUE(FailsWith(s, Code::kUnauthenticated, "signature does not verify"));
  EXPECT_EQ(s.error().message().find(token.substr(token.rfind('.') + 1)), std::string::npos);
  EXPECT_EQ(s.error().message().find(token.substr(0, token.find('.'))), std::string::npos);
}

TEST_F(AdminAuthTest, ExpiredTokenIsUnauthenticated) {
  Json claims = Claims("admin");
  claims["exp"] = kNow - 3600;
  EXPECT_TRUE(
      FailsWith(Check(SignToken(ed_, SignAlg::kEdDsa, claims)), Code::kUnauthenticated, "expired"));
  claims.erase("exp");
  EXPECT_TRUE(
      FailsWith(Check(SignToken(ed_, SignAlg::kEdDsa, claims)), Code::kUnauthenticated, "exp"));
}

TEST_F(AdminAuthTest, WrongIssuerIsUnauthenticated) {
  Json claims = Claims("admin");
  claims["iss"] = "someone-else";
  EXPECT_TRUE(
      FailsWith(Check(SignToken(ed_, SignAlg::kEdDsa, claims)), Code::kUnauthenticated, "issuer"));
}

TEST_F(AdminAuthTest, AudienceMayBeStringOrArray) {
  Json claims = Claims("admin");
  claims["aud"] = "other-service";
  EXPECT_TRUE(FailsWith(Check(SignToken(ed_, SignAlg::kEdDsa, claims)), Code::kUnauthenticated,
                        "audience"));
  claims["aud"] = Json::array({"other-service", kAudience});
  EXPECT_EQ(CodeOf(Check(SignToken(ed_, SignAlg::kEdDsa, claims))), Code::kOk);
}

TEST_F(AdminAuthTest, MissingRoleIsUnauthenticated) {
  Json claims = Claims("admin");
  claims.erase("role");
  auto s = Check(SignToken(ed_, SignAlg::kEdDsa, claims));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kUnauthenticated);
  EXPECT_EQ(s.error().message(), "token has no role claim");
}

TEST_F(AdminAuthTest, RoleWithoutMatchingAclIsDenied) {
  auto s = Check(SignToken(ed_, SignAlg::kEdDsa, Claims("guest")));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kPermissionDenied);
  EXPECT_NE(s.error().message().find("guest"), std::string::npos);
  EXPECT_NE(s.error().message().find("/kbs/v0/resource-policy"), std::string::npos);
}

TEST_F(AdminAuthTest, AnchoredRegexSeesTheQueryString) {
  std::string token = SignToken(ed_, SignAlg::kEdDsa, Claims("reader"));
  EXPECT_EQ(CodeOf(Check(token, "/kbs/v0/reference-value/svn")), Code::kOk);
  EXPECT_EQ(CodeOf(Check(token, "/kbs/v0/reference-value/svn?x=1")), Code::kPermissionDenied);
  EXPECT_EQ(CodeOf(Check(token, "/kbs/v0/resource/a/b/c")), Code::kPermissionDenied);
}

// The ACL sees the path the router routes: an escape or a dot segment cannot reach `secret/`
// past an ACL written to exclude it (issue 11, item 4).
TEST_F(AdminAuthTest, AclMatchesTheNormalisedPath) {
  config_.acls = {{"writer", "^/kbs/v0/resource/(?!secret/)[a-z]+/[a-z]+/[a-z0-9]+$"}};
  std::string token = SignToken(ed_, SignAlg::kEdDsa, Claims("writer"));
  EXPECT_EQ(CodeOf(Check(token, "/kbs/v0/resource/public/key/1")), Code::kOk);
  EXPECT_EQ(CodeOf(Check(token, "/kbs/v0/resource/secret/key/1")), Code::kPermissionDenied);
  EXPECT_EQ(CodeOf(Check(token, "/kbs/v0/resource/%73ecret/key/1")), Code::kPermissionDenied);
  EXPECT_EQ(CodeOf(Check(token, "/kbs/v0/resource/public/../secret/key/1")),
            Code::kPermissionDenied);
  EXPECT_EQ(CodeOf(Check(token, "/kbs/v0/resource/public/%2e%2e/secret/key/1")),
            Code::kPermissionDenied);
  EXPECT_EQ(CodeOf(Check(token, "/kbs/v0/resource//secret/key/1")), Code::kPermissionDenied);
  EXPECT_EQ(CodeOf(Check(token, "/kbs/v0/resource/./secret/key/1")), Code::kPermissionDenied);
}

TEST_F(AdminAuthTest, AclMethodsRestrictTheEntry) {
  config_.acls = {{"reader", "^/kbs/v0/reference-value/[a-z_]+$", {"GET"}},
                  {"writer", "^/kbs/v0/reference-value/[a-z_]+$", {"POST", "DELETE"}}};
  auto a = Make();
  ASSERT_TRUE(a);
  std::string reader = SignToken(ed_, SignAlg::kEdDsa, Claims("reader"));
  std::string writer = SignToken(ed_, SignAlg::kEdDsa, Claims("writer"));
  const std::string path = "/kbs/v0/reference-value/svn";
  EXPECT_EQ(CodeOf(a->Authorize(Request(path, reader, "GET"), kNow)), Code::kOk);
  auto denied = a->Authorize(Request(path, reader, "DELETE"), kNow);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code(), Code::kPermissionDenied);
  EXPECT_NE(denied.error().message().find("DELETE " + path), std::string::npos)
      << denied.error().message();
  EXPECT_EQ(CodeOf(a->Authorize(Request(path, writer, "DELETE"), kNow)), Code::kOk);
  EXPECT_EQ(CodeOf(a->Authorize(Request(path, writer, "GET"), kNow)), Code::kPermissionDenied);
}

TEST_F(AdminAuthTest, UriLengthLimit) {
  std::string token = SignToken(ed_, SignAlg::kEdDsa, Claims("admin"));
  std::string at_limit = "/kbs/" + std::string(limits::kAdminUriMaxBytes - 5, 'a');
  EXPECT_EQ(CodeOf(Check(token, at_limit)), Code::kOk);
  EXPECT_EQ(CodeOf(Check(token, at_limit + "a")), Code::kPermissionDenied);
}

// A token whose header says ES256 must never be checked against the Ed25519 key, and "none" /
// HMAC algorithms are refused outright.
TEST_F(AdminAuthTest, AlgConfusionIsUnauthenticated) {
  config_.identity_providers.resize(1);  // Ed25519 only
  EXPECT_TRUE(FailsWith(Check(SignToken(p256_, SignAlg::kEs256, Claims("admin"))),
                        Code::kUnauthenticated,
                        "no identity provider key accepts admin token alg ES256"));
  std::string payload = base::Base64UrlEncode(base::DumpJson(Claims("admin")));
  for (std::string alg : {"ES256", "none", "HS256"}) {
    std::string input =
        base::Base64UrlEncode(R"({"alg":")" + alg + R"(","typ":"JWT"})") + "." + payload;
    auto sig = crypto::Sign(ed_, SignAlg::kEdDsa, AsBytes(input));
    ASSERT_TRUE(sig.has_value());
    const char* reason = alg == "ES256" ? "no identity provider key accepts" : "is not accepted";
    EXPECT_TRUE(
        FailsWith(Check(input + "." + base::Base64UrlEncode(*sig)), Code::kUnauthenticated, reason))
        << alg;
  }
  EXPECT_TRUE(FailsWith(Check(base::Base64UrlEncode(R"({"alg":"none"})") + "." + payload + "."),
                        Code::kUnauthenticated, "\"none\" is not accepted"));
}

TEST_F(AdminAuthTest, DenyAllDeniesEvenValidTokens) {
  config_.authorization_mode = "DenyAll";
  auto s = Check(SignToken(ed_, SignAlg::kEdDsa, Claims("admin")));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kPermissionDenied);
  EXPECT_EQ(s.error().message(), "admin API is disabled (authorization_mode = DenyAll)");
}

TEST_F(AdminAuthTest, InsecureAllowAllNeedsNoToken) {
  config_.authorization_mode = "InsecureAllowAll";
  auto a = Make();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(CodeOf(a->Authorize(Request("/kbs/v0/resource/a/b/c", std::nullopt), kNow)), Code::kOk);
}

// The legacy single `auth_public_key` accepts a token with only iat/exp as role "admin".
TEST_F(AdminAuthTest, LegacyAuthPublicKey) {
  config_.identity_providers.clear();
  config_.acls.clear();
  config_.auth_public_key = (dir_.path() / "ed.pem").string();
  std::string token = SignToken(ed_, SignAlg::kEdDsa, Json{{"iat", kNow}, {"exp", kNow + 60}});
  EXPECT_EQ(CodeOf(Check(token, "/kbs/v0/resource/default/key/1")), Code::kOk);
  EXPECT_EQ(CodeOf(Check(token, "/metrics")), Code::kPermissionDenied);
}

// Trustee's docker-compose setup.sh: an `openssl genpkey -algorithm ed25519` key and an EdDSA
// token with iss TrusteeInDocker, aud ["KBS"], role admin, valid for ten years.
TEST_F(AdminAuthTest, TrusteeDockerComposeToken) {
  const fs::path priv = dir_.path() / "private.key";
  const fs::path pub = dir_.path() / "public.pub";
  std::string cmd = "openssl genpkey -algorithm ed25519 -out " + priv.string() +
                    " && openssl pkey -in " + priv.string() + " -pubout -out " + pub.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto key = PrivateKey::FromPem(ReadFile(priv));
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  config_.identity_providers = {{"TrusteeInDocker", "KBS", pub.string(), ""}};
  Json claims = {{"iss", "TrusteeInDocker"}, {"sub", "admin"}, {"aud", Json::array({"KBS"})},
                 {"role", "admin"},          {"iat", kNow},    {"exp", kNow + 315'360'000}};
  std::string token = SignToken(*key, SignAlg::kEdDsa, claims);
  auto header = base::Base64UrlDecode(token.substr(0, token.find('.')));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(ToString(*header), R"({"alg":"EdDSA","typ":"JWT"})");
  EXPECT_EQ(CodeOf(Check(token, "/kbs/v0/resource/default/key/1")), Code::kOk);
}

TEST_F(AdminAuthTest, CreateRejectsBadConfig) {
  AdminConfig c = config_;
  c.authorization_mode = "Sometimes";
  EXPECT_EQ(AdminAuthorizer::Create(c).error().code(), Code::kInvalidArgument);
  c = config_;
  c.identity_providers[0].public_key_uri = (dir_.path() / "missing.pem").string();
  EXPECT_EQ(AdminAuthorizer::Create(c).error().code(), Code::kNotFound);
  c = config_;
  c.acls = {{"admin", "^/kbs/(unclosed$"}};
  EXPECT_EQ(AdminAuthorizer::Create(c).error().code(), Code::kInvalidArgument);
  c.acls = {{"admin", "/kbs/.*"}};
  EXPECT_EQ(AdminAuthorizer::Create(c).error().code(), Code::kInvalidArgument);
  c = config_;
  c.identity_providers.clear();
  EXPECT_EQ(AdminAuthorizer::Create(c).error().code(), Code::kInvalidArgument);
  c = config_;
  c.identity_providers[0].public_key_uri = "https://example.com/key.pem";
  EXPECT_EQ(AdminAuthorizer::Create(c).error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::kbs
