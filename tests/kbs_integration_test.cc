// End-to-end over real sockets: the real cocoon-kbs binary on a free loopback port, driven by
// the real cocoon CLI (HTTP and HTTPS), plus wire-level negatives and kill -9 durability.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>

#include "base/json.h"
#include "crypto/keys.h"
#include "kbs/admin_client.h"
#include "net/http_client.h"
#include "tests/harness.h"

namespace cocoon {
namespace {

using harness::BinaryPath;
using harness::Process;

using harness::TempDir;

struct KbsOptions {
  bool https = false;
  std::string policy = "allow_all";
  std::string storage = "Sqlite";
  int payload_mib = 2;
  // The CLI attests with the sample TEE, whose evidence proves nothing: these fixtures test the
  // KBS's protocol and storage, so they turn it on (insecure_sample_tee).
  bool sample = true;
};

// Owns a temp dir with an Ed25519 admin key pair, TLS material and a running cocoon-kbs.
class KbsFixture {
 public:
  explicit KbsFixture(KbsOptions o = {}) : opts_(o), port_(harness::FreePort()) {
    auto r = harness::Run(
        {"/usr/bin/openssl", "genpkey", "-algorithm", "ed25519", "-out", dir_.File("admin.key")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = harness::Run({"/usr/bin/openssl", "pkey", "-in", dir_.File("admin.key"), "-pubout", "-out",
                      dir_.File("admin.pub")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (o.https) MakeTls();
    WriteConfig();
    Start();
  }

  void Start() {
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{BinaryPath("cocoon-kbs"), "--config-file", dir_.File("kbs.toml")});
    std::string line;
    bool up = proc_->WaitForLine("listening on", std::chrono::seconds(20), &line);
    ASSERT_TRUE(up) << harness::ReadFile(proc_->stderr_path());
  }
  void Kill9() { proc_->Kill9(); }
  int Terminate() { return proc_->Terminate(); }

  std::string url() const {
    return std::string(opts_.https ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }
  const TempDir& dir() const { return dir_; }

  // `cocoon kbs <args> --url … [--cacert …]`
  harness::CommandResult Cocoon(std::vector<std::string> args, bool admin = false) {
    std::vector<std::string> argv = {BinaryPath("cocoon"), "kbs"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--url", url()});
    if (opts_.https) argv.insert(argv.end(), {"--cacert", dir_.File("ca.crt")});
    if (admin) argv.insert(argv.end(), {"--admin-key", dir_.File("admin.key")});
    return harness::Run(argv);
  }

 private:
  void MakeTls() {
    auto ok = [](const harness::CommandResult& r) { EXPECT_EQ(r.exit_code, 0) << r.err; };
    ok(harness::Run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=cocoon test CA", "-days",
                     "2", "-keyout", dir_.File("ca.key"), "-out", dir_.File("ca.crt")}));
    ok(harness::Run({"/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-keyout",
                     dir_.File("tls.key"), "-out", dir_.File("tls.csr")}));
    dir_.Write("san.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    ok(harness::Run({"/usr/bin/openssl", "x509", "-req", "-in", dir_.File("tls.csr"), "-CA",
                     dir_.File("ca.crt"), "-CAkey", dir_.File("ca.key"), "-CAcreateserial", "-days",
                     "2", "-extfile", dir_.File("san.ext"), "-out", dir_.File("tls.crt")}));
  }

  void WriteConfig() {
    std::string c = "[http_server]\nsockets = [\"127.0.0.1:" + std::to_string(port_) + "\"]\n";
    c += "payload_request_size = " + std::to_string(opts_.payload_mib) + "\n";
    if (opts_.https) {
      c += "insecure_http = false\nprivate_key = \"" + dir_.File("tls.key") +
           "\"\ncertificate = \"" + dir_.File("tls.crt") + "\"\n";
    } else {
      c += "insecure_http = true\n";
    }
    c += "\n[attestation_service]\ntype = \"coco_as_builtin\"\n";
    if (opts_.sample) c += "insecure_sample_tee = true\n";
    c += "\n[admin]\nauthorization_mode = \"AuthenticatedAuthorization\"\n";
    c += "[admin.authentication.bearer_jwt]\nidentity_providers = [ { public_key_uri = \"" +
         dir_.File("admin.pub") + "\" } ]\n";
    c += "[admin.authorization.regex_acl]\nacls = [ { role = \"admin\", allowed_endpoints = "
         "\"^/kbs/.+$\" } ]\n";
    c += "\n[storage_backend]\nstorage_type = \"" + opts_.storage + "\"\n";
    c += "[storage_backend.backends.sqlite]\npath = \"" + dir_.File("kbs.sqlite") + "\"\n";
    c += "\n[policy_engine]\nbuiltin = \"" + opts_.policy + "\"\n";
    dir_.Write("kbs.toml", c);
  }

  KbsOptions opts_;
  TempDir dir_;
  int port_;
  std::unique_ptr<Process> proc_;
};

TEST(KbsIntegration, HttpRoundTripWithCli) {
  KbsFixture kbs;
  auto set = kbs.Cocoon({"set-resource", "default/key/1", "--value", "s3cr3t value"}, true);
  ASSERT_EQ(set.exit_code, 0) << set.err;
  auto get = kbs.Cocoon({"get-resource", "kbs:///default/key/1"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "s3cr3t value");
  auto rsa = kbs.Cocoon({"get-resource", "kbs:///default/key/1", "--tee-key-type", "rsa"});
  ASSERT_EQ(rsa.exit_code, 0) << rsa.err;
  EXPECT_EQ(rsa.out, "s3cr3t value");
  auto token = kbs.Cocoon({"attest"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  EXPECT_EQ(std::count(token.out.begin(), token.out.end(), '.'), 2);
  EXPECT_EQ(kbs.Terminate(), 0);  // graceful shutdown on SIGTERM
}

// `cocoon kbs attest --decode` prints the EAR token's header and claims (docs/kbs.md).
TEST(KbsIntegration, AttestDecodePrintsHeaderAndClaims) {
  KbsFixture kbs;
  auto decoded = kbs.Cocoon({"attest", "--decode"});
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
  auto doc = base::ParseJson(decoded.out);
  ASSERT_TRUE(doc.has_value()) << decoded.out;
  EXPECT_EQ((*doc)["header"]["alg"], "ES256") << decoded.out;
  const Json& claims = (*doc)["claims"];
  EXPECT_TRUE(claims["exp"].is_number_integer()) << decoded.out;
  EXPECT_TRUE(claims["eat_profile"].is_string()) << decoded.out;
  // The sample TEE with no reference values registered is not trusted by the default EAR policy.
  EXPECT_EQ(claims["submods"]["cpu0"]["ear.status"], "contraindicated") << decoded.out;
  EXPECT_EQ(claims["submods"]["cpu0"]["ear.trustworthiness-vector"]["hardware"], 97) << decoded.out;
}

TEST(KbsIntegration, HttpsRoundTripWithCustomCa) {
  KbsFixture kbs({.https = true});
  ASSERT_EQ(kbs.Cocoon({"set-resource", "default/key/tls", "--value", "over tls"}, true).exit_code,
            0);
  auto get = kbs.Cocoon({"get-resource", "kbs:///default/key/tls"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "over tls");
  // Without the CA the client refuses the server.
  auto untrusted = harness::Run(
      {BinaryPath("cocoon"), "kbs", "get-resource", "kbs:///default/key/tls", "--url", kbs.url()});
  EXPECT_NE(untrusted.exit_code, 0);
  EXPECT_NE(untrusted.err.find("FailedPrecondition"), std::string::npos) << untrusted.err;
  EXPECT_NE(untrusted.err.find("certificate did not verify"), std::string::npos) << untrusted.err;
}

TEST(KbsIntegration, UnknownResourceAndDenyingPolicyAreClearErrors) {
  KbsFixture kbs({.policy = "default"});
  ASSERT_EQ(kbs.Cocoon({"set-resource", "default/key/1", "--value", "x"}, true).exit_code, 0);
  auto denied = kbs.Cocoon({"get-resource", "kbs:///default/key/1"});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("Access denied by policy"), std::string::npos) << denied.err;
}

// The sample TEE appraises as "contraindicated" until its reference values are registered; the
// `affirming` resource policy turns that into the secret being withheld or released.
TEST(KbsIntegration, ReferenceValuesDecideTheAppraisal) {
  KbsFixture kbs({.policy = "affirming"});
  ASSERT_EQ(kbs.Cocoon({"set-resource", "default/key/1", "--value", "rv-gated"}, true).exit_code,
            0);
  auto denied = kbs.Cocoon({"get-resource", "kbs:///default/key/1"});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("Access denied by policy"), std::string::npos) << denied.err;

  for (auto [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"launch_digest", R"(["abcde"])"},
                                                        {"svn", R"(["1"])"},
                                                        {"major_version", "1"},
                                                        {"minimum_minor_version", "0"}}) {
    auto set =
        kbs.Cocoon({"set-reference-value", name, value, "--expires", "2999-01-01T00:00:00Z"}, true);
    ASSERT_EQ(set.exit_code, 0) << set.err;
  }
  auto list = kbs.Cocoon({"list-reference-values"}, true);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto parsed = base::ParseJson(list.out);
  ASSERT_TRUE(parsed.has_value()) << list.out;
  const Json& records = *parsed;
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0]["name"], "launch_digest");
  EXPECT_EQ(records[0]["expiration"], "2999-01-01T00:00:00Z");
  EXPECT_EQ(records[0]["expired"], false);
  auto one = kbs.Cocoon({"get-reference-value", "svn"}, true);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, "[\"1\"]\n");

  auto allowed = kbs.Cocoon({"get-resource", "kbs:///default/key/1"});
  ASSERT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_EQ(allowed.out, "rv-gated");

  ASSERT_EQ(kbs.Cocoon({"delete-reference-value", "svn"}, true).exit_code, 0);
  auto gone = kbs.Cocoon({"delete-reference-value", "svn"}, true);
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("not found"), std::string::npos) << gone.err;
  auto denied_again = kbs.Cocoon({"get-resource", "kbs:///default/key/1"});
  EXPECT_EQ(denied_again.exit_code, 1) << denied_again.out;

  auto past = kbs.Cocoon(
      {"set-reference-value", "svn", R"(["1"])", "--expires", "2001-01-01T00:00:00Z"}, true);
  EXPECT_EQ(past.exit_code, 1);
  EXPECT_NE(past.err.find("in the past"), std::string::npos) << past.err;
}

TEST(KbsIntegration, AdminCallsNeedAValidToken) {
  KbsFixture kbs;
  net::HttpClient http;
  std::string url = kbs.url() + "/kbs/v0/resource/default/key/1";
  auto expect_refused = [&](const net::Headers& h, std::string_view why) {
    auto r = http.Post(url, "value", h);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << why;
    auto j = base::ParseJson(r->body);
    ASSERT_TRUE(j) << r->body;
    EXPECT_EQ((*j)["type"],
              "https://github.com/confidential-containers/kbs/errors/AdminAuthInitialization");
  };
  expect_refused({}, "no token");
  auto other = *crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
  kbs::AdminClientOptions o;
  net::Headers h;
  h.Set("authorization", "Bearer " + *kbs::MakeAdminToken(other, o, std::time(nullptr)));
  expect_refused(h, "wrong key");
  auto admin_key = *crypto::PrivateKey::FromPem(harness::ReadFile(kbs.dir().File("admin.key")));
  h.Set("authorization", "Bearer " + *kbs::MakeAdminToken(admin_key, o, std::time(nullptr) - 3600));
  expect_refused(h, "expired");
  h.Set("authorization", "Bearer " + *kbs::MakeAdminToken(admin_key, o, std::time(nullptr)));
  auto ok = http.Post(url, "value", h);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  auto cli = kbs.Cocoon({"set-resource", "default/key/2", "--value", "v"});  // no --admin-key
  EXPECT_EQ(cli.exit_code, 1);
  EXPECT_NE(cli.err.find("admin"), std::string::npos) << cli.err;
}

TEST(KbsIntegration, BodyLimitAtAndPastTheLimitServerKeepsServing) {
  KbsFixture kbs({.payload_mib = 1});
  net::HttpClient http;
  net::Headers h;
  h.Set("content-type", "application/json");
  auto at = http.Post(kbs.url() + "/kbs/v0/auth", std::string(1024 * 1024, ' '), h);
  ASSERT_TRUE(at);
  EXPECT_EQ(at->status, 401);  // accepted by the transport, refused as JSON
  auto past = http.Post(kbs.url() + "/kbs/v0/auth", std::string(1024 * 1024 + 1, ' '), h);
  ASSERT_TRUE(past);
  EXPECT_EQ(past->status, 413);
  net::HttpClient fresh;
  auto health = fresh.Get(kbs.url() + "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto bad = fresh.Post(kbs.url() + "/kbs/v0/auth", "{not json", h);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  EXPECT_NE(bad->body.find("\"type\""), std::string::npos);
  EXPECT_EQ(fresh.Get(kbs.url() + "/healthz")->status, 200);
}

// Every bad request gets Trustee's JSON error body over the wire, and the server keeps serving.
TEST(KbsIntegration, NegativesOverTheWireKeepTheServerUp) {
  KbsFixture kbs;
  net::HttpClient http;
  net::Headers json;
  json.Set("content-type", "application/json");
  struct Case {
    std::string method, path, body;
    int status;
    std::string variant, detail;
  };
  const std::vector<Case> cases = {
      {"POST", "/kbs/v0/auth", R"({"version":"0.1.1","tee":"sample","extra-params":""})", 401,
       "AttestationError", "expect =0.4.0 while the request is 0.1.1"},
      {"POST", "/kbs/v0/auth", R"({"version":"0.4.0","tee":"tpm9","extra-params":""})", 401,
       "AttestationError", "unknown TEE"},
      {"POST", "/kbs/v0/auth", "{\"version\":", 401, "AttestationError", "malformed JSON"},
      {"POST", "/kbs/v0/attest", "{}", 401, "AttestationError", "cookie kbs-session-id not found"},
      {"GET", "/kbs/v0/resource/default/key/1", "", 401, "TokenNotFound",
       "Attestation Token not found"},
      {"GET", "/kbs/v0/resource/..%2F..%2Fetc/passwd", "", 404, "InvalidRequestPath", ""},
      {"POST", "/kbs/v0/resource/..%2F..%2Fetc/passwd", "x", 404, "InvalidRequestPath",
       "invalid request path /kbs/etc/passwd"},
      {"GET", "/kbs/v0/no-such-plugin/x", "", 404, "PluginNotFound", "Plugin no-such-plugin"},
  };
  for (const auto& c : cases) {
    auto r = http.Send(c.method, kbs.url() + c.path, json, c.body);
    ASSERT_TRUE(r) << c.path;
    EXPECT_EQ(r->status, c.status) << c.path << " " << r->body;
    auto j = base::ParseJson(r->body);
    ASSERT_TRUE(j) << c.path << " " << r->body;
    EXPECT_EQ((*j)["type"], "https://github.com/confidential-containers/kbs/errors/" + c.variant)
        << c.path;
    EXPECT_NE((*j)["detail"].get<std::string>().find(c.detail), std::string::npos) << r->body;
  }
  // An attested client asking for a traversal path or a missing resource: clear errors too.
  ASSERT_EQ(kbs.Cocoon({"set-resource", "default/key/1", "--value", "v"}, true).exit_code, 0);
  auto traversal = kbs.Cocoon({"get-resource", "kbs:///default/../key"});
  EXPECT_EQ(traversal.exit_code, 1);
  EXPECT_NE(traversal.err.find("illegal ResourceDesc format."), std::string::npos) << traversal.err;
  auto missing = kbs.Cocoon({"get-resource", "kbs:///default/key/404"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("NotFound: resource: server answered 404: resource "
                             "default/key/404 not found"),
            std::string::npos)
      << missing.err;
  auto health = http.Get(kbs.url() + "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto metrics = http.Get(kbs.url() + "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("kbs_http_requests_total"), std::string::npos);
}

// Errors in the category of their cause, as the CLI prints them: a policy that does not compile
// is a 400 naming line:column (the active policy stays), a denial is PermissionDenied (403).
TEST(KbsIntegration, PolicyErrorsAndDenialsHaveTheirOwnCategory) {
  KbsFixture kbs;
  ASSERT_EQ(kbs.Cocoon({"set-resource", "default/key/1", "--value", "v"}, true).exit_code, 0);
  kbs.dir().Write("bad.rego", "package policy\ndefault allow := false\nallow if {\n");
  auto bad = kbs.Cocoon({"set-policy", "--file", kbs.dir().File("bad.rego")}, true);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("InvalidArgument: resource-policy: server answered 400: resource-policy:"),
            std::string::npos)
      << bad.err;
  EXPECT_TRUE(std::regex_search(bad.err, std::regex(R"(resource-policy:[34]:\d+:)"))) << bad.err;
  EXPECT_EQ(bad.err.find("Unauthenticated"), std::string::npos) << bad.err;
  auto still = kbs.Cocoon({"get-resource", "kbs:///default/key/1"});
  EXPECT_EQ(still.exit_code, 0) << still.err;

  kbs.dir().Write("deny.rego", "package policy\ndefault allow := false\n");
  ASSERT_EQ(kbs.Cocoon({"set-policy", "--file", kbs.dir().File("deny.rego")}, true).exit_code, 0);
  auto denied = kbs.Cocoon({"get-resource", "kbs:///default/key/1"});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("PermissionDenied: resource: server answered 403: Access denied by "
                            "policy"),
            std::string::npos)
      << denied.err;
}

// No retry can fix an untrusted certificate or a name that does not resolve: the guest's KBS
// client (here through `cocoon kbs attest`) reports them at once, saying what is wrong.
TEST(KbsIntegration, CertificateAndDnsFailuresAreReportedAtOnce) {
  KbsFixture kbs({.https = true});
  auto attest = [](const std::string& url) {
    auto start = std::chrono::steady_clock::now();
    auto r = harness::Run({BinaryPath("cocoon"), "kbs", "attest", "--url", url});
    return std::make_pair(r, std::chrono::steady_clock::now() - start);
  };
  auto [untrusted, took] = attest(kbs.url());  // no --cacert
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_NE(untrusted.err.find("FailedPrecondition"), std::string::npos) << untrusted.err;
  EXPECT_NE(untrusted.err.find("certificate did not verify"), std::string::npos) << untrusted.err;
  EXPECT_LT(took, std::chrono::seconds(2));  // 5 attempts would take 7.5 s
  auto [unresolved, took2] = attest("http://cocoon-no-such-host.invalid:8080");
  EXPECT_EQ(unresolved.exit_code, 1);
  EXPECT_NE(unresolved.err.find("does not resolve"), std::string::npos) << unresolved.err;
  EXPECT_LT(took2, std::chrono::seconds(2));
  auto trusted = kbs.Cocoon({"attest"});
  EXPECT_EQ(trusted.exit_code, 0) << trusted.err;
}

TEST(KbsIntegration, AcknowledgedWriteSurvivesKill9) {
  KbsFixture kbs;
  ASSERT_EQ(
      kbs.Cocoon({"set-resource", "default/key/durable", "--value", "still here"}, true).exit_code,
      0);
  kbs.Kill9();
  kbs.Start();
  auto get = kbs.Cocoon({"get-resource", "kbs:///default/key/durable"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "still here");
}

TEST(KbsIntegration, BadConfigFailsWithAClearMessage) {
  TempDir d;
  d.Write("bad.toml", "[http_server]\nsockets = 5\n");
  auto r = harness::Run({BinaryPath("cocoon-kbs"), "--config-file", d.File("bad.toml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("sockets"), std::string::npos) << r.err;
  auto missing = harness::Run({BinaryPath("cocoon-kbs"), "--config-file", d.File("nope.toml")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.toml"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace cocoon
