#include "image/reference.h"

#include <gtest/gtest.h>

#include "image/registry/auth.h"

namespace cocoon::image {
namespace {

struct Good {
  const char* in;
  const char* canonical;
  const char* api_host;
};

TEST(ReferenceTest, NormalisesLikeDistribution) {
  const std::string d64 = "sha256:" + std::string(64, 'a');
  const Good cases[] = {
      {"busybox", "docker.io/library/busybox:latest", "registry-1.docker.io"},
      {"busybox:1.36", "docker.io/library/busybox:1.36", "registry-1.docker.io"},
      {"library/busybox", "docker.io/library/busybox:latest", "registry-1.docker.io"},
      {"org/app", "docker.io/org/app:latest", "registry-1.docker.io"},
      {"docker.io/busybox", "docker.io/library/busybox:latest", "registry-1.docker.io"},
      {"index.docker.io/org/app:v1", "docker.io/org/app:v1", "registry-1.docker.io"},
      {"quay.io/org/app:v1.2-rc_3", "quay.io/org/app:v1.2-rc_3", "quay.io"},
      {"localhost/app", "localhost/app:latest", "localhost"},
      {"localhost:5000/a/b/c", "localhost:5000/a/b/c:latest", "localhost:5000"},
      {"127.0.0.1:5000/coco/enc:v1", "127.0.0.1:5000/coco/enc:v1", "127.0.0.1:5000"},
      {"my-reg.example.com/a__b/c.d/e-f---g", "my-reg.example.com/a__b/c.d/e-f---g:latest",
       "my-reg.example.com"},
  };
  for (const Good& c : cases) {
    auto r = ParseReference(c.in);
    ASSERT_TRUE(r.has_value()) << c.in << ": " << r.error().ToString();
    EXPECT_EQ(r->String(), c.canonical) << c.in;
    EXPECT_EQ(r->ApiHost(), c.api_host) << c.in;
  }
}

TEST(ReferenceTest, DigestsAndTagPlusDigest) {
  const std::string d = "sha256:" + std::string(64, 'b');
  auto r = ParseReference("host:5000/a@" + d);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->domain, "host:5000");
  EXPECT_EQ(r->path, "a");
  EXPECT_EQ(r->tag, "");
  ASSERT_TRUE(r->digest.has_value());
  EXPECT_EQ(r->ManifestRef(), d);
  EXPECT_EQ(r->String(), "host:5000/a@" + d);

  auto both = ParseReference("busybox:1@" + d);
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(both->tag, "1");
  EXPECT_EQ(both->String(), "docker.io/library/busybox:1@" + d);
  EXPECT_EQ(both->ManifestRef(), d);  // the digest wins
  EXPECT_EQ(both->Repository(), "docker.io/library/busybox");
}

TEST(ReferenceTest, RejectsInvalid) {
  const std::string long_name(256, 'a');
  const char* bad[] = {
      "",
      "Busybox",                    // upper case in the repository
      "docker.io/Library/busybox",  // upper case path component
      "busybox:",                   // empty tag
      "busybox:-x",                 // tag must start with a word character
      "busybox@sha256:abc",         // short digest
      "busybox@md5:0123",           // unsupported algorithm
      "a//b",                       // empty component
      "a/b/",                       // trailing slash
      "-a/b",                       // component starting with a separator
      "a..b",                       // double dot
      "host:99999x/a",              // bad port
      ":tag",                       // no name
      "-host.com/a",                // bad domain component
  };
  for (const char* in : bad) {
    auto r = ParseReference(in);
    ASSERT_FALSE(r.has_value()) << in << " parsed as " << r->String();
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << in;
    EXPECT_NE(r.error().message().find("image reference"), std::string::npos) << in;
  }
  EXPECT_FALSE(ParseReference(long_name).has_value());
  EXPECT_FALSE(ParseReference("busybox:" + std::string(129, 't')).has_value());
  EXPECT_TRUE(ParseReference("busybox:" + std::string(128, 't')).has_value());
  auto hex = ParseReference(std::string(64, 'c'));
  ASSERT_FALSE(hex.has_value());
  EXPECT_NE(hex.error().message().find("ambiguous"), std::string::npos);
  auto upper = ParseReference("quay.io/Org/app");
  ASSERT_FALSE(upper.has_value());
  EXPECT_NE(upper.error().message().find("lowercase"), std::string::npos);
}

TEST(AuthTest, ParsesBearerChallenge) {
  auto c = ParseWwwAuthenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull",error="insufficient_scope")");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].scheme, "bearer");
  EXPECT_EQ((*c)[0].params.at("realm"), "https://auth.docker.io/token");
  EXPECT_EQ((*c)[0].params.at("service"), "registry.docker.io");
  EXPECT_EQ((*c)[0].params.at("scope"), "repository:library/busybox:pull");

  auto two = ParseWwwAuthenticate(R"(Basic realm="Registry Realm", Bearer realm="r\"q")");
  ASSERT_TRUE(two.has_value());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].scheme, "basic");
  EXPECT_EQ((*two)[0].params.at("realm"), "Registry Realm");
  EXPECT_EQ((*two)[1].params.at("realm"), "r\"q");

  EXPECT_EQ(ParseWwwAuthenticate(R"(Bearer realm="open)").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseWwwAuthenticate("").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseWwwAuthenticate("realm=x").error().code(), Code::kInvalidArgument);
}

TEST(AuthTest, AuthJsonLongestPrefix) {
  // alice:one for the registry, bob:two for one repository, carol:three for Docker Hub.
  const char* json = R"({"auths":{
    "reg.example:5000":{"auth":"YWxpY2U6b25l"},
    "reg.example:5000/team/app":{"auth":"Ym9iOnR3bw=="},
    "https://index.docker.io/v1/":{"auth":"Y2Fyb2w6dGhyZWU="}}})";
  auto app = CredentialsFromAuthJson(json, *ParseReference("reg.example:5000/team/app:v1"));
  ASSERT_TRUE(app.has_value());
  ASSERT_TRUE(app->has_value());
  EXPECT_EQ((*app)->username, "bob");
  EXPECT_EQ((*app)->password, "two");
  auto other = CredentialsFromAuthJson(json, *ParseReference("reg.example:5000/team/other"));
  ASSERT_TRUE(other.has_value() && other->has_value());
  EXPECT_EQ((*other)->username, "alice");
  auto hub = CredentialsFromAuthJson(json, *ParseReference("busybox"));
  ASSERT_TRUE(hub.has_value() && hub->has_value());
  EXPECT_EQ((*hub)->username, "carol");
  auto none = CredentialsFromAuthJson(json, *ParseReference("quay.io/x"));
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  auto bad =
      CredentialsFromAuthJson(R"({"auths":{"q.io":{"auth":"!!"}}})", *ParseReference("q.io/x"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kInvalidArgument);
  auto missing = LookupCredentials("/nonexistent/auth.json", *ParseReference("q.io/x"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
}

}  // namespace
}  // namespace cocoon::image
