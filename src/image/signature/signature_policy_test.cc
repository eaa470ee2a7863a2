// Tests for policy.json parsing, scope selection and signedIdentity matching.

#include "image/signature/signature_policy.h"

#include <gtest/gtest.h>

#include "base/limits.h"
#include "image/signature/signature_policy_eval.h"
#include "image/signature/signed_identity.h"

namespace cocoon::image {
namespace {

std::string Wrap(const std::string& req) { return R"({"default":[)" + req + "]}"; }

TEST(PolicyParse, AcceptsEachRequirementType) {
  struct Case {
    std::string req;
    PolicyRequirement::Type type;
  } cases[] = {
      {R"({"type":"insecureAcceptAnything"})", PolicyRequirement::Type::kInsecureAcceptAnything},
      {R"({"type":"reject"})", PolicyRequirement::Type::kReject},
      {R"({"type":"signedBy","keyType":"GPGKeys","keyPath":"/k.gpg"})",
       PolicyRequirement::Type::kSignedBy},
      {R"({"type":"signedBy","keyType":"GPGKeys","keyPaths":["/a","/b"]})",
       PolicyRequirement::Type::kSignedBy},
      {R"({"type":"signedBy","keyType":"GPGKeys","keyData":"AAEC"})",
       PolicyRequirement::Type::kSignedBy},
      {R"({"type":"sigstoreSigned","keyPath":"/c.pub"})", PolicyRequirement::Type::kSigstoreSigned},
      {R"({"type":"sigstoreSigned","keyData":"-----BEGIN PUBLIC KEY-----\nx"})",
       PolicyRequirement::Type::kSigstoreSigned},
  };
  for (const Case& c : cases) {
    auto p = ParsePolicy(Wrap(c.req));
    ASSERT_TRUE(p) << c.req << ": " << p.error().ToString();
    ASSERT_EQ(p->default_requirements.size(), 1u);
    EXPECT_EQ(p->default_requirements[0].type, c.type) << c.req;
  }
  auto p = ParsePolicy(Wrap(R"({"type":"signedBy","keyType":"GPGKeys","keyPaths":["/a","/b"]})"));
  EXPECT_EQ(p->default_requirements[0].keys.paths, (std::vector<std::string>{"/a", "/b"}));
  p = ParsePolicy(Wrap(R"({"type":"signedBy","keyType":"GPGKeys","keyData":"AAEC"})"));
  EXPECT_EQ(p->default_requirements[0].keys.data[0], (Bytes{0, 1, 2}));
}

TEST(PolicyParse, ParsesSignedIdentities) {
  using T = SignedIdentity::Type;
  struct Case {
    std::string identity;
    T type;
    std::string value;
  } cases[] = {
      {R"({"type":"matchExact"})", T::kMatchExact, ""},
      {R"({"type":"matchRepository"})", T::kMatchRepository, ""},
      {R"({"type":"matchRepoDigestOrExact"})", T::kMatchRepoDigestOrExact, ""},
      {R"({"type":"exactReference","dockerReference":"a.io/b:c"})", T::kExactReference, "a.io/b:c"},
      {R"({"type":"exactRepository","dockerRepository":"a.io/b"})", T::kExactRepository, "a.io/b"},
      {R"({"type":"remapIdentity","prefix":"m.io","signedPrefix":"a.io"})", T::kRemapIdentity,
       "m.io"},
  };
  for (const Case& c : cases) {
    auto p = ParsePolicy(
        Wrap(R"({"type":"sigstoreSigned","keyPath":"/k","signedIdentity":)" + c.identity + "}"));
    ASSERT_TRUE(p) << c.identity << ": " << p.error().ToString();
    EXPECT_EQ(p->default_requirements[0].identity.type, c.type);
    EXPECT_EQ(p->default_requirements[0].identity.value, c.value);
  }
  auto p = ParsePolicy(Wrap(R"({"type":"signedBy","keyType":"GPGKeys","keyPath":"/k"})"));
  EXPECT_EQ(p->default_requirements[0].identity.type, T::kMatchRepoDigestOrExact);
}

TEST(PolicyParse, RejectsBadPoliciesNamingTheProblem) {
  struct Case {
    std::string json;
    std::string needle;
  } cases[] = {
      {Wrap(R"({"type":"acceptMaybe"})"), "acceptMaybe"},
      {Wrap(R"({"type":"reject","extra":1})"), "extra"},
      {Wrap(R"({"type":"signedBy","keyPath":"/k"})"), "keyType"},
      {Wrap(R"({"type":"signedBy","keyType":"X509Certificates","keyPath":"/k"})"),
       "X509Certificates"},
      {Wrap(R"({"type":"signedBy","keyType":"GPGKeys"})"), "keyPath"},
      {Wrap(R"({"type":"signedBy","keyType":"GPGKeys","keyPath":"/k","keyData":"AA=="})"),
       "exactly one"},
      {Wrap(R"({"type":"signedBy","keyType":"GPGKeys","keyData":"!!"})"), "base64"},
      {Wrap(R"({"type":"sigstoreSigned","keyPath":"/k","fulcio":{}})"), "fulcio"},
      {Wrap(R"({"type":"sigstoreSigned","keyPath":"/k","rekorPublicKeyPath":"/r"})"),
       "rekorPublicKeyPath"},
      {Wrap(R"({"type":"sigstoreSigned","keyPaths":["/k"]})"), "keyPaths"},
      {Wrap(R"({"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"x"}})"),
       "signedIdentity type 'x'"},
      {Wrap(
           R"({"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"matchExact","a":1}})"),
       "'a'"},
      {Wrap(
           R"({"type":"signedBy","keyType":"GPGKeys","keyPath":"/k","signedIdentity":{"type":"exactReference"}})"),
       "dockerReference"},
      {R"({"default":[]})", "non-empty"},
      {R"({"transports":{}})", "'default'"},
      {R"({"default":[{"type":"reject"}],"extra":{}})", "'extra'"},
      {R"({"default":[{"type":"reject"}],"transports":{"docker":{"a.io":[{"type":"nope"}]}}})",
       "transports.docker[\"a.io\"]"},
      {"[1]", "object"},
  };
  for (const Case& c : cases) {
    auto p = ParsePolicy(c.json);
    ASSERT_FALSE(p) << c.json;
    EXPECT_EQ(p.error().code(), Code::kInvalidArgument) << c.json;
    EXPECT_NE(p.error().message().find(c.needle), std::string::npos)
        << c.json << " -> " << p.error().message();
  }
}

TEST(PolicyParse, SizeLimit) {
  std::string big = Wrap(R"({"type":"reject"})");
  big.append(limits::kPolicyJsonMaxBytes - big.size(), ' ');
  EXPECT_TRUE(ParsePolicy(big));
  big.push_back(' ');
  EXPECT_EQ(ParsePolicy(big).error().code(), Code::kResourceExhausted);
}

TEST(PolicyScope, MostSpecificScopeWins) {
  auto policy = ParsePolicy(R"({"default":[{"type":"reject"}],"transports":{"docker":{
    "reg.example.com:5000/ns/app:v1":[{"type":"reject"}],
    "reg.example.com:5000/ns/app":[{"type":"reject"}],
    "reg.example.com:5000/ns":[{"type":"reject"}],
    "reg.example.com:5000":[{"type":"reject"}],
    "*.example.com":[{"type":"reject"}],
    "*.com":[{"type":"reject"}],
    "":[{"type":"reject"}]}}})");
  ASSERT_TRUE(policy) << policy.error().ToString();
  struct Case {
    std::string ref;
    std::string scope;
  } cases[] = {
      {"reg.example.com:5000/ns/app:v1", "reg.example.com:5000/ns/app:v1"},
      {"reg.example.com:5000/ns/app:v2", "reg.example.com:5000/ns/app"},
      {"reg.example.com:5000/ns/other:v1", "reg.example.com:5000/ns"},
      {"reg.example.com:5000/x/y:1", "reg.example.com:5000"},
      {"reg.example.com/x:1", "*.example.com"},
      {"a.b.example.com/x:1", "*.example.com"},
      {"quay.com/x:1", "*.com"},
      {"busybox", ""},
  };
  for (const Case& c : cases) {
    auto id = ImageIdentity::Parse(c.ref);
    ASSERT_TRUE(id) << c.ref;
    EXPECT_EQ(SelectScope(*policy, *id).name, "transports.docker[\"" + c.scope + "\"]") << c.ref;
  }
  auto only_default = ParsePolicy(R"({"default":[{"type":"reject"}]})");
  EXPECT_EQ(SelectScope(*only_default, *ImageIdentity::Parse("busybox")).name, "default");
}

TEST(PolicyScope, ScopesListIncludesNormalisedNames) {
  auto id = ImageIdentity::Parse("busybox");
  ASSERT_TRUE(id);
  EXPECT_EQ(PolicyScopes(*id), (std::vector<std::string>{
                                   "docker.io/library/busybox:latest", "docker.io/library/busybox",
                                   "docker.io/library", "docker.io", "*.io"}));
}

Status Match(SignedIdentity::Type t, const std::string& pulled, const std::string& signed_ref,
             const std::string& value = "", const std::string& signed_prefix = "") {
  auto id = ImageIdentity::Parse(pulled);
  if (!id) return std::unexpected(id.error());
  return MatchSignedIdentity(SignedIdentity{t, value, signed_prefix}, *id, signed_ref);
}

TEST(SignedIdentityMatch, Table) {
  using T = SignedIdentity::Type;
  const std::string d = "@sha256:" + std::string(64, 'a');
  struct Case {
    T type;
    std::string pulled, signed_ref;
    bool ok;
    std::string value = "", prefix = "";
  } cases[] = {
      {T::kMatchExact, "r.io/a/b:v1", "r.io/a/b:v1", true},
      {T::kMatchExact, "r.io/a/b:v2", "r.io/a/b:v1", false},
      {T::kMatchExact, "r.io/a/b" + d, "r.io/a/b:v1", false},
      {T::kMatchExact, "r.io/a/b:v1", "r.io/a/b", false},
      {T::kMatchRepository, "r.io/a/b:v2", "r.io/a/b:v1", true},
      {T::kMatchRepository, "r.io/a/b:v2", "r.io/a/b", true},
      {T::kMatchRepository, "r.io/a/c:v1", "r.io/a/b:v1", false},
      {T::kMatchRepoDigestOrExact, "r.io/a/b:v1", "r.io/a/b:v1", true},
      {T::kMatchRepoDigestOrExact, "r.io/a/b:v2", "r.io/a/b:v1", false},
      {T::kMatchRepoDigestOrExact, "r.io/a/b" + d, "r.io/a/b:v1", true},
      {T::kMatchRepoDigestOrExact, "r.io/a/c" + d, "r.io/a/b:v1", false},
      {T::kMatchRepoDigestOrExact, "r.io/a/b:v1", "r.io/a/b", false},
      {T::kMatchRepoDigestOrExact, "busybox", "docker.io/library/busybox:latest", true},
      {T::kExactReference, "m.io/x:1", "r.io/a/b:v1", true, "r.io/a/b:v1"},
      {T::kExactReference, "m.io/x:1", "r.io/a/b:v2", false, "r.io/a/b:v1"},
      {T::kExactRepository, "m.io/x:1", "r.io/a/b:v9", true, "r.io/a/b"},
      {T::kExactRepository, "m.io/x:1", "r.io/a/c:v9", false, "r.io/a/b"},
      {T::kRemapIdentity, "mirror.io/ns/app:v1", "r.io/ns/app:v1", true, "mirror.io", "r.io"},
      {T::kRemapIdentity, "mirror.io/ns/app:v1", "r.io/ns/app:v2", false, "mirror.io", "r.io"},
      {T::kRemapIdentity, "mirror.iox/ns/app:v1", "r.io/ns/app:v1", false, "mirror.io", "r.io"},
      // A mirror of a cosign-signed image: cosign signs the repository alone, and remapIdentity
      // then compares as matchRepoDigestOrExact, which never accepts a name-only identity (as
      // containers/image). exactRepository names the signed repository instead
      // (docs/run-encrypted-image.md §3); a signature with a tag remaps.
      {T::kRemapIdentity, "127.0.0.1:5000/team/app:1.0", "registry.example.com/team/app", false,
       "127.0.0.1:5000/team", "registry.example.com/team"},
      {T::kRemapIdentity, "127.0.0.1:5000/team/app:1.0", "registry.example.com/team/app:1.0", true,
       "127.0.0.1:5000/team", "registry.example.com/team"},
      {T::kRemapIdentity, "127.0.0.1:5000/team/app" + d, "registry.example.com/team/app:1.0", true,
       "127.0.0.1:5000/team", "registry.example.com/team"},
      {T::kExactRepository, "127.0.0.1:5000/team/app:1.0", "registry.example.com/team/app", true,
       "registry.example.com/team/app"},
  };
  for (const Case& c : cases) {
    Status st = Match(c.type, c.pulled, c.signed_ref, c.value, c.prefix);
    EXPECT_EQ(st.has_value(), c.ok) << c.pulled << " vs " << c.signed_ref;
    if (!c.ok && !st) {
      EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
      EXPECT_NE(st.error().message().find("does not match"), std::string::npos);
    }
  }
  EXPECT_EQ(Match(T::kMatchRepository, "r.io/a:1", "R.io/Upper Case").error().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::image
