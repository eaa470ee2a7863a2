// In-process tests of the KBS routes: the Trustee conformance vector replayed byte for byte,
// and every negative case answering a KBS error body.
#include "kbs/service.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/encoding.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "jose/jwt.h"
#include "policy/testing/builtin.h"
#include "tee/sample/sample.h"
#include "testutil/testdata.h"

namespace cocoon::kbs {
namespace {

Json LoadJson(const std::string& rel) { return testutil::TestdataJson(rel); }

class KbsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    verifiers_.Register("sample", tee::sample::NewVerifier());
    RegisterBuiltinKvStores(stores_);
    vector_ = LoadJson("sample/rcar-sample-synthetic-vector.json");
  }

  std::unique_ptr<KbsService> Make(std::string policy = "allow_all",
                                   std::string admin = "InsecureAllowAll") {
    KbsConfig c;
    c.storage_backend.storage_type = "Memory";
    c.policy_engine.builtin = policy;
    c.admin.authorization_mode = admin;
    c.admin.identity_providers = providers_;
    c.admin.acls = acls_;
    auto s = KbsService::Create(c, &verifiers_, stores_, [this] { return now_; });
    EXPECT_TRUE(s) << s.error().ToString();
    return std::move(*s);
  }

  static net::HttpRequest Req(std::string method, std::string path, std::string body = "",
                              std::string cookie = "") {
    net::HttpRequest r;
    r.method = std::move(method);
    r.target = path;
    size_t q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) r.query = path.substr(q + 1);
    r.body = std::move(body);
    if (!cookie.empty()) r.headers.Set("cookie", "kbs-session-id=" + cookie);
    return r;
  }

  static std::string CookieOf(const net::HttpResponse& r) {
    auto sc = r.headers.Get("set-cookie");
    if (!sc) return "";
    std::string v(*sc);
    size_t eq = v.find('='), semi = v.find(';');
    return v.substr(eq + 1, semi - eq - 1);
  }

  static void ExpectKbsError(const net::HttpResponse& r, int status, std::string_view variant,
                             std::string_view detail_part) {
    EXPECT_EQ(r.status, status) << r.body;
    auto j = base::ParseJson(r.body);
    ASSERT_TRUE(j) << r.body;
    EXPECT_EQ((*j)["type"],
              "https://github.com/confidential-containers/kbs/errors/" + std::string(variant));
    EXPECT_NE((*j)["detail"].get<std::string>().find(detail_part), std::string::npos)
        << (*j)["detail"];
  }

  // auth + attest with the vector's messages; returns the session cookie.
  std::string AttestWithVector(KbsService& kbs) {
    kbs.SetNonceSourceForTesting([] {
      Bytes n(32);
      for (int i = 0; i < 32; ++i) n[i] = static_cast<uint8_t>(i);
      return n;
    });
    auto auth = kbs.Handle(Req("POST", "/kbs/v0/auth", vector_["request"].dump()));
    EXPECT_EQ(auth.status, 200) << auth.body;
    std::string cookie = CookieOf(auth);
    auto att = kbs.Handle(Req("POST", "/kbs/v0/attest", vector_["attestation"].dump(), cookie));
    EXPECT_EQ(att.status, 200) << att.body;
    return cookie;
  }

  tee::VerifierRegistry verifiers_;
  KvStoreRegistry stores_;
  Json vector_;
  int64_t now_ = 1'800'000'000;
  std::vector<IdentityProvider> providers_;
  std::vector<AclEntry> acls_;
};

TEST_F(KbsServiceTest, ConformanceVectorChallengeIsByteExact) {
  auto kbs = Make();
  kbs->SetNonceSourceForTesting([] {
    Bytes n(32);
    for (int i = 0; i < 32; ++i) n[i] = static_cast<uint8_t>(i);
    return n;
  });
  auto auth = kbs->Handle(Req("POST", "/kbs/v0/auth", vector_["request"].dump()));
  ASSERT_EQ(auth.status, 200);
  EXPECT_EQ(auth.body,
            R"({"nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","extra-params":""})");
  std::string cookie = CookieOf(auth);
  EXPECT_EQ(cookie.size(), 32u);
  EXPECT_NE(auth.headers.Get("set-cookie")->find("; Expires="), std::string::npos);
}

TEST_F(KbsServiceTest, ConformanceVectorFullHandshakeDecryptsWithVectorKey) {
  auto kbs = Make();
  std::string cookie = AttestWithVector(*kbs);
  auto put = kbs->Handle(Req("POST", "/kbs/v0/resource/default/key/1", "this is a test secret"));
  ASSERT_EQ(put.status, 200) << put.body;
  auto get = kbs->Handle(Req("GET", "/kbs/v0/resource/default/key/1", "", cookie));
  ASSERT_EQ(get.status, 200) << get.body;
  auto jwe = *base::ParseJson(get.body);
  // Header serialised exactly as Trustee: alg, enc, epk{crv,kty,x,y}.
  std::string header = ToString(*base::Base64UrlDecode(jwe["protected"].get<std::string>()));
  EXPECT_EQ(
      header.rfind(
          R"({"alg":"ECDH-ES+A256KW","enc":"A256GCM","epk":{"crv":"P-256","kty":"EC","x":")", 0),
      0u)
      << header;
  auto key = crypto::PrivateKey::FromPem(vector_["tee_private_key_pem"].get<std::string>());
  ASSERT_TRUE(key);
  auto plain = jose::DecryptFlattened(jwe, *key);
  ASSERT_TRUE(plain) << plain.error().ToString();
  EXPECT_EQ(plain->view(), "this is a test secret");
}

TEST_F(KbsServiceTest, TokenCarriesEarClaimsForSample) {
  auto kbs = Make();
  kbs->SetNonceSourceForTesting([] { return Bytes(32, 0); });
  auto auth = kbs->Handle(Req("POST", "/kbs/v0/auth", vector_["request"].dump()));
  Json att = vector_["attestation"];
  att["runtime-data"]["nonce"] = base::Base64Encode(Bytes(32, 0));
  auto r = kbs->Handle(Req("POST", "/kbs/v0/attest", att.dump(), CookieOf(auth)));
  // The vector's evidence binds the vector nonce, not ours: refused.
  ExpectKbsError(r, 401, "AttestationError", "report_data does not match");
  std::string cookie = AttestWithVector(*kbs);
  auto again = kbs->Handle(Req("POST", "/kbs/v0/attest", "{}", cookie));
  ASSERT_EQ(again.status, 200);  // attested session: the same token again
  std::string token = (*base::ParseJson(again.body))["token"];
  auto claims = jose::ParseCompact(token);
  ASSERT_TRUE(claims);
  Json payload = *base::ParseJson(claims->payload);
  const Json& cpu0 = payload["submods"]["cpu0"];
  EXPECT_EQ(cpu0["ear.status"], "contraindicated");
  EXPECT_EQ(cpu0["ear.trustworthiness-vector"]["configuration"], 2);
  EXPECT_EQ(cpu0["ear.veraison.annotated-evidence"]["sample"]["svn"], "1");
  EXPECT_EQ(cpu0["ear.veraison.annotated-evidence"]["runtime_data_claims"]["tee-pubkey"],
            vector_["attestation"]["runtime-data"]["tee-pubkey"]);
  EXPECT_EQ(payload["exp"].get<int64_t>() - payload["iat"].get<int64_t>(), 300);
  EXPECT_EQ(claims->header["alg"], "ES256");
  EXPECT_TRUE(claims->header["jwk"].contains("x"));
}

TEST_F(KbsServiceTest, RejectsOtherProtocolVersions) {
  auto kbs = Make();
  Json req = vector_["request"];
  req["version"] = "0.3.0";
  ExpectKbsError(kbs->Handle(Req("POST", "/kbs/v0/auth", req.dump())), 401, "AttestationError",
                 "expect =0.4.0 while the request is 0.3.0");
}

TEST_F(KbsServiceTest, RejectsUnknownAndUnsupportedTee) {
  auto kbs = Make();
  Json req = vector_["request"];
  req["tee"] = "quantum";
  ExpectKbsError(kbs->Handle(Req("POST", "/kbs/v0/auth", req.dump())), 401, "AttestationError",
                 "unknown TEE \"quantum\"");
  req["tee"] = "snp";
  ExpectKbsError(kbs->Handle(Req("POST", "/kbs/v0/auth", req.dump())), 401, "AttestationError",
                 "no verifier for TEE \"snp\"");
}

TEST_F(KbsServiceTest, RejectsMalformedJson) {
  auto kbs = Make();
  ExpectKbsError(kbs->Handle(Req("POST", "/kbs/v0/auth", "{\"version\":")), 401, "AttestationError",
                 "malformed JSON");
  std::string cookie =
      CookieOf(kbs->Handle(Req("POST", "/kbs/v0/auth", vector_["request"].dump())));
  ExpectKbsError(kbs->Handle(Req("POST", "/kbs/v0/attest", "[1,2", cookie)), 401,
                 "AttestationError", "malformed JSON");
  ExpectKbsError(kbs->Handle(Req("POST", "/kbs/v0/attest", "{}", cookie)), 401, "AttestationError",
                 "runtime-data");
}

TEST_F(KbsServiceTest, RejectsWrongNonce) {
  auto kbs = Make();
  std::string cookie =
      CookieOf(kbs->Handle(Req("POST", "/kbs/v0/auth", vector_["request"].dump())));
  ExpectKbsError(kbs->Handle(Req("POST", "/kbs/v0/attest", vector_["attestation"].dump(), cookie)),
                 401, "AttestationError", "nonce does not match");
}

TEST_F(KbsServiceTest, RejectsEvidenceBoundToAnotherKey) {
  auto kbs = Make();
  kbs->SetNonceSourceForTesting([] {
    Bytes n(32);
    for (int i = 0; i < 32; ++i) n[i] = static_cast<uint8_t>(i);
    return n;
  });
  std::string cookie =
      CookieOf(kbs->Handle(Req("POST", "/kbs/v0/auth", vector_["request"].dump())));
  Json att = vector_["attestation"];
  auto other = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  att["runtime-data"]["tee-pubkey"] =
      Json::parse(jose::PublicKeyToJwk(other.public_key(), "ECDH-ES+A256KW").dump());
  ExpectKbsError(kbs->Handle(Req("POST", "/kbs/v0/attest", att.dump(), cookie)), 401,
                 "AttestationError", "report_data does not match");
}

TEST_F(KbsServiceTest, RejectsUnknownAndExpiredSessions) {
  auto kbs = Make();
  ExpectKbsError(kbs->Handle(Req("POST", "/kbs/v0/attest", vector_["attestation"].dump(),
                                 "0123456789abcdef0123456789abcdef")),
                 401, "AttestationError", "session not found");
  ExpectKbsError(kbs->Handle(Req("POST", "/kbs/v0/attest", vector_["attestation"].dump())), 401,
                 "AttestationError", "cookie kbs-session-id not found");
  std::string cookie = AttestWithVector(*kbs);
  kbs->Handle(Req("POST", "/kbs/v0/resource/default/key/1", "s"));
  now_ += 5 * 60 + 1;  // past the 5-minute session lifetime
  ExpectKbsError(kbs->Handle(Req("GET", "/kbs/v0/resource/default/key/1", "", cookie)), 401,
                 "TokenNotFound", "Attestation Token not found");
}

TEST_F(KbsServiceTest, BearerTokenPathAndTamperedToken) {
  auto kbs = Make();
  std::string cookie = AttestWithVector(*kbs);
  auto again = kbs->Handle(Req("POST", "/kbs/v0/attest", "{}", cookie));
  std::string token = (*base::ParseJson(again.body))["token"];
  kbs->Handle(Req("POST", "/kbs/v0/resource/default/key/1", "s"));
  auto r = Req("GET", "/kbs/v0/resource/default/key/1");
  r.headers.Set("authorization", "Bearer " + token);
  EXPECT_EQ(kbs->Handle(r).status, 200);
  // Flip one character of the payload.
  size_t dot = token.find('.');
  token[dot + 5] = token[dot + 5] == 'A' ? 'B' : 'A';
  r.headers.Set("authorization", "Bearer " + token);
  auto bad = kbs->Handle(r);
  EXPECT_EQ(bad.status, 401);
  EXPECT_NE(bad.body.find("TokenVerifierError"), std::string::npos) << bad.body;
}

TEST_F(KbsServiceTest, ExpiredBearerTokenIsRefused) {
  auto kbs = Make();
  std::string cookie = AttestWithVector(*kbs);
  std::string token =
      (*base::ParseJson(kbs->Handle(Req("POST", "/kbs/v0/attest", "{}", cookie)).body))["token"];
  now_ += 5 * 60 + 61;  // token TTL 5 min + 60 s leeway
  auto r = Req("GET", "/kbs/v0/resource/default/key/1");
  r.headers.Set("authorization", "Bearer " + token);
  ExpectKbsError(kbs->Handle(r), 401, "TokenVerifierError", "");
}

TEST_F(KbsServiceTest, DefaultPolicyDeniesSampleTee) {
  auto kbs = Make("default");
  std::string cookie = AttestWithVector(*kbs);
  kbs->Handle(Req("POST", "/kbs/v0/resource/default/key/1", "s"));
  ExpectKbsError(kbs->Handle(Req("GET", "/kbs/v0/resource/default/key/1", "", cookie)), 403,
                 "PolicyDeny", "Access denied by policy");
}

TEST_F(KbsServiceTest, UnknownResourceAndPathTraversal) {
  auto kbs = Make();
  std::string cookie = AttestWithVector(*kbs);
  ExpectKbsError(kbs->Handle(Req("GET", "/kbs/v0/resource/default/key/missing", "", cookie)), 404,
                 "PluginInternalError", "resource default/key/missing not found");
  for (const char* p : {"/kbs/v0/resource/../../etc/passwd", "/kbs/v0/resource/default/../key",
                        "/kbs/v0/resource/default/key/.hidden", "/kbs/v0/resource/a//b",
                        "/kbs/v0/resource/default/key"}) {
    ExpectKbsError(kbs->Handle(Req("GET", p, "", cookie)), 400, "PluginInternalError",
                   "illegal ResourceDesc format.");
    ExpectKbsError(kbs->Handle(Req("POST", p, "x")), 400, "PluginInternalError",
                   "illegal ResourceDesc format.");
  }
  ExpectKbsError(kbs->Handle(Req("GET", "/kbs/v0/nosuchplugin/x", "", cookie)), 404,
                 "PluginNotFound", "Plugin nosuchplugin not found");
  ExpectKbsError(kbs->Handle(Req("GET", "/other")), 404, "InvalidRequestPath", "");
}

// Admin HEAD says whether a resource is stored without sending it; "If-None-Match: *" stores
// only when absent (409, value kept), which `cocoon image encrypt` relies on.
TEST_F(KbsServiceTest, AdminHeadAndCreateOnlyWrite) {
  auto kbs = Make();
  std::string cookie = AttestWithVector(*kbs);
  const std::string path = "/kbs/v0/resource/default/key/1";
  ExpectKbsError(kbs->Handle(Req("HEAD", path)), 404, "PluginInternalError",
                 "resource default/key/1 not found");
  auto create = Req("POST", path, "first");
  create.headers.Set("if-none-match", "*");
  EXPECT_EQ(kbs->Handle(create).status, 200);
  auto head = kbs->Handle(Req("HEAD", path));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.headers.Get("cocoon-resource-state"), "present");
  EXPECT_EQ(kbs->Handle(Req("HEAD", "/kbs/v0/resource/default/key/2"))
                .headers.Get("cocoon-resource-state"),
            "absent");
  create.body = "second";
  ExpectKbsError(kbs->Handle(create), 409, "PluginInternalError",
                 "resource default/key/1 already exists");
  ASSERT_EQ(kbs->Handle(Req("GET", path, "", cookie)).status, 200);  // still "first" (JWE)
  EXPECT_EQ(kbs->Handle(Req("POST", path, "third")).status, 200);    // plain POST replaces
  ExpectKbsError(kbs->Handle(Req("HEAD", "/kbs/v0/resource/default/../key")), 400,
                 "PluginInternalError", "illegal ResourceDesc format.");
}

// Admin calls refused by the ACL are 403; a missing or bad token 401.
TEST_F(KbsServiceTest, AdminRefusalsSayWhetherAuthenticated) {
  auto kbs = Make("allow_all", "DenyAll");
  ExpectKbsError(kbs->Handle(Req("POST", "/kbs/v0/resource/default/key/1", "v")), 403,
                 "AdminAuthInitialization", "");
}

// Rego uploads run on cocoon's interpreter: Trustee's own policies, and the old policy stays
// when a new one does not compile.
TEST_F(KbsServiceTest, RegoResourcePolicyUploadReplacesTheBuiltin) {
  auto kbs = Make("allow_all");
  std::string cookie = AttestWithVector(*kbs);
  kbs->Handle(Req("POST", "/kbs/v0/resource/default/key/1", "s"));
  auto upload = [&](const std::string& text) {
    return kbs->Handle(Req("POST", "/kbs/v0/resource-policy",
                           Json{{"policy", base::Base64UrlEncode(text)}}.dump()));
  };
  ExpectKbsError(upload("package policy\nallow if {"), 400, "PolicyEngineError",
                 "resource-policy:2:");
  EXPECT_EQ(kbs->Handle(Req("GET", "/kbs/v0/resource/default/key/1", "", cookie)).status, 200);
  // Trustee's default.rego denies the sample TEE.
  std::ifstream f(COCOON_TESTDATA_DIR "/policy/kbs-resource/default.rego");
  std::stringstream ss;
  ss << f.rdbuf();
  ASSERT_EQ(upload(ss.str()).status, 200);
  ExpectKbsError(kbs->Handle(Req("GET", "/kbs/v0/resource/default/key/1", "", cookie)), 403,
                 "PolicyDeny", "Access denied by policy");
  // A policy keyed on the resource path.
  ASSERT_EQ(upload("package policy\nimport rego.v1\ndefault allow := false\n"
                   "allow if data[\"resource-path\"][2] == \"1\"")
                .status,
            200);
  EXPECT_EQ(kbs->Handle(Req("GET", "/kbs/v0/resource/default/key/1", "", cookie)).status, 200);
  auto list = kbs->Handle(Req("GET", "/kbs/v0/resource-policy"));
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.body, R"(["resource-policy"])");
}

TEST_F(KbsServiceTest, RegoAttestationPolicyDrivesTheEar) {
  auto kbs = Make();
  std::string rego =
      "package policy\nimport rego.v1\n"
      "trust_claims := {\"hardware\": 2, \"executables\": 3, \"configuration\": 2} if "
      "input.sample.svn == \"1\"\n";
  auto r = kbs->Handle(Req(
      "POST", "/kbs/v0/attestation-policy",
      Json{{"type", "rego"}, {"policy_id", "default_cpu"}, {"policy", base::Base64UrlEncode(rego)}}
          .dump()));
  ASSERT_EQ(r.status, 200) << r.body;
  std::string cookie = AttestWithVector(*kbs);
  std::string token =
      (*base::ParseJson(kbs->Handle(Req("POST", "/kbs/v0/attest", "{}", cookie)).body))["token"];
  Json claims = *base::ParseJson(jose::ParseCompact(token)->payload);
  EXPECT_EQ(claims["submods"]["cpu0"]["ear.status"], "affirming");
}

TEST_F(KbsServiceTest, ReferenceValuesFeedTheEarPolicy) {
  auto kbs = Make();
  Json payload = {{"launch_digest", {"abcde"}}};
  Json msg = {
      {"version", "0.1.0"}, {"type", "sample"}, {"payload", base::Base64Encode(payload.dump())}};
  auto r = kbs->Handle(Req("POST", "/kbs/v0/reference-value", msg.dump()));
  ASSERT_EQ(r.status, 200) << r.body;
  auto q = kbs->Handle(Req("GET", "/kbs/v0/reference-value/launch_digest"));
  EXPECT_EQ(q.body, R"(["abcde"])");
  std::string cookie = AttestWithVector(*kbs);
  std::string token =
      (*base::ParseJson(kbs->Handle(Req("POST", "/kbs/v0/attest", "{}", cookie)).body))["token"];
  Json claims = *base::ParseJson(jose::ParseCompact(token)->payload);
  EXPECT_EQ(claims["submods"]["cpu0"]["ear.trustworthiness-vector"]["executables"], 3);
}

TEST_F(KbsServiceTest, HealthMetricsAndJwks) {
  auto kbs = Make();
  EXPECT_EQ(kbs->Handle(Req("GET", "/healthz")).status, 200);
  AttestWithVector(*kbs);
  auto m = kbs->Handle(Req("GET", "/metrics"));
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("kbs_attestations_total{tee=\"sample\",outcome=\"success\"} 1"),
            std::string::npos)
      << m.body;
  EXPECT_EQ(kbs->Handle(Req("POST", "/metrics")).status, 405);
  auto jwks = *base::ParseJson(kbs->Handle(Req("GET", "/.well-known/jwks.json")).body);
  EXPECT_EQ(jwks["keys"][0]["alg"], "ES256");
  EXPECT_EQ(jwks["keys"][0]["crv"], "P-256");
}

// Stands in for the Rego engine at the PolicyEngine seam: "allow_all"/"deny_all" compile to the
// built-ins, anything else is a compile error with a position.
class NamedPolicyEngine : public policy::PolicyEngine {
 public:
  Result<std::shared_ptr<const policy::Policy>> Compile(std::string_view,
                                                        std::string_view source) const override {
    if (source == "allow_all" || source == "deny_all") return policy::BuiltinResourcePolicy(source);
    return InvalidArgument("policy.rego:1:1: unexpected token");
  }
};

TEST_F(KbsServiceTest, PolicyUploadCompilesBeforeItReplacesAndPersists) {
  auto kbs = Make("allow_all");
  ASSERT_TRUE(kbs->SetPolicyEngine(std::make_unique<NamedPolicyEngine>()));
  std::string cookie = AttestWithVector(*kbs);
  kbs->Handle(Req("POST", "/kbs/v0/resource/default/key/1", "s"));
  auto upload = [&](std::string text) {
    return kbs->Handle(Req("POST", "/kbs/v0/resource-policy",
                           Json{{"policy", base::Base64UrlEncode(text)}}.dump()));
  };
  // A malformed policy is refused with its position; the old one stays active.
  ExpectKbsError(upload("package policy {"), 400, "PolicyEngineError", "policy.rego:1:1");
  EXPECT_EQ(kbs->Handle(Req("GET", "/kbs/v0/resource/default/key/1", "", cookie)).status, 200);
  // A good one replaces it at once.
  EXPECT_EQ(upload("deny_all").status, 200);
  ExpectKbsError(kbs->Handle(Req("GET", "/kbs/v0/resource/default/key/1", "", cookie)), 403,
                 "PolicyDeny", "Access denied by policy");
  // Padded base64 is refused as Trustee refuses it.
  ExpectKbsError(kbs->Handle(Req("POST", "/kbs/v0/resource-policy", R"({"policy":"YWJj=="})")), 400,
                 "ParsePolicyError", "base64url");
}

TEST_F(KbsServiceTest, AttestationPolicyUploadIsCheckedAndStored) {
  auto kbs = Make();
  ASSERT_TRUE(kbs->SetPolicyEngine(std::make_unique<NamedPolicyEngine>()));
  auto post = [&](Json body) {
    return kbs->Handle(Req("POST", "/kbs/v0/attestation-policy", body.dump()));
  };
  ExpectKbsError(
      post({{"policy_id", "default_cpu"}, {"policy", base::Base64UrlEncode(std::string("x"))}}),
      400, "PolicyEngineError", "policy.rego:1:1");
  ExpectKbsError(
      post({{"policy_id", "bad id"}, {"policy", base::Base64UrlEncode(std::string("allow_all"))}}),
      400, "ParsePolicyError", "");
  EXPECT_EQ(post({{"type", "rego"},
                  {"policy_id", "custom"},
                  {"policy", base::Base64UrlEncode(std::string("allow_all"))}})
                .status,
            200);
}

}  // namespace
}  // namespace cocoon::kbs
