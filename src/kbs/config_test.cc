// Tests of the cocoon-kbs config parser against Trustee's real config files
// (testdata/config/kbs) and hand-written edge cases.
#include "kbs/config.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace cocoon::kbs {
namespace {

namespace fs = std::filesystem;

const fs::path kConfigDir = fs::path(COCOON_TESTDATA_DIR) / "config" / "kbs";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Expected outcome of every file in testdata/config/kbs, relative to that directory.
// Code::kOk means "parses".
const std::map<std::string, Code>& ExpectedOutcomes() {
  static const auto* outcomes = new std::map<std::string, Code>{
      // Remote gRPC AS (`type = "coco_as_grpc"`) is not implemented.
      {"docker-compose-kbs-config.toml", Code::kUnimplemented},
      {"kbs-config-grpc.toml", Code::kUnimplemented},
      // Intel Trust Authority (`type = "intel_ta"`) is not implemented.
      {"kbs-config-intel-trust-authority.toml", Code::kUnimplemented},
      // Built-in AS, TLS with key + certificate, LocalFs storage, bearer_jwt admin.
      {"e2e-test-kbs.toml", Code::kOk},
      // No [attestation_service]: the built-in AS is the default.
      {"e2e-test-resource-kbs.toml", Code::kOk},
      // Built-in AS, insecure_http, LocalFs, InsecureAllowAll admin.
      {"kbs-config.toml", Code::kOk},
      // A Helm (Go text/template) source, not TOML: a syntax error at "{{-".
      {"helm-kbs-config.toml.template", Code::kInvalidArgument},
      // insecure_http = false without private_key/certificate. Trustee's parse test only
      // deserialises; cocoon also validates, so HTTPS without a certificate fails at load.
      {"parse-tests/coco-as-builtin-1.toml", Code::kFailedPrecondition},
      // Built-in AS, top-level session_storage_type = "memory", Memory storage.
      {"parse-tests/coco-as-builtin-2.toml", Code::kOk},
      // Built-in AS, AuthenticatedAuthorization with empty bearer_jwt / regex_acl sections.
      {"parse-tests/coco-as-builtin-3.toml", Code::kOk},
      {"parse-tests/coco-as-grpc-1.toml", Code::kUnimplemented},
      {"parse-tests/coco-as-grpc-2.toml", Code::kUnimplemented},
      {"parse-tests/coco-as-grpc-3.toml", Code::kUnimplemented},
      {"parse-tests/intel-ta-1.toml", Code::kUnimplemented},
      {"parse-tests/intel-ta-2.toml", Code::kUnimplemented},
      {"parse-tests/intel-ta-3.toml", Code::kUnimplemented},
      // TLS profile files all use the gRPC AS; their tls_* keys are accepted and ignored.
      {"parse-tests/tls-profile-custom-pqc.toml", Code::kUnimplemented},
      {"parse-tests/tls-profile-custom.toml", Code::kUnimplemented},
      {"parse-tests/tls-profile-intermediate.toml", Code::kUnimplemented},
      {"parse-tests/tls-profile-modern.toml", Code::kUnimplemented},
      {"parse-tests/tls-profile-old.toml", Code::kUnimplemented},
  };
  return *outcomes;
}

Code OutcomeOf(const Result<KbsConfig>& r) { return r ? Code::kOk : r.error().code(); }

TEST(KbsConfigFiles, EveryTestdataFileHasItsExpectedOutcome) {
  size_t seen = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kConfigDir)) {
    if (!entry.is_regular_file() || entry.path().extension() == ".md") continue;
    std::string rel = fs::relative(entry.path(), kConfigDir).string();
    auto it = ExpectedOutcomes().find(rel);
    ASSERT_NE(it, ExpectedOutcomes().end()) << "no expectation for " << rel;
    auto parsed = LoadKbsConfig(entry.path().string());
    EXPECT_EQ(OutcomeOf(parsed), it->second)
        << rel << ": " << (parsed ? "parsed" : parsed.error().ToString());
    ++seen;
  }
  EXPECT_EQ(seen, ExpectedOutcomes().size());
}

// The Unimplemented files fail only because of their AS type: with the built-in AS they load.
TEST(KbsConfigFiles, UnimplementedFilesParseWithBuiltinAs) {
  for (const auto& [rel, code] : ExpectedOutcomes()) {
    if (code != Code::kUnimplemented) continue;
    std::string text = ReadFile(kConfigDir / rel);
    for (std::string_view from : {"\"coco_as_grpc\"", "\"intel_ta\""}) {
      size_t pos = text.find(from);
      if (pos != std::string::npos) text.replace(pos, from.size(), "\"coco_as_builtin\"");
    }
    auto parsed = ParseKbsConfig(text, rel);
    EXPECT_TRUE(parsed) << rel << ": " << parsed.error().ToString();
  }
}

TEST(KbsConfigFiles, UnimplementedAsTypeNamesTheType) {
  auto parsed = LoadKbsConfig((kConfigDir / "parse-tests/intel-ta-3.toml").string());
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), Code::kUnimplemented);
  EXPECT_NE(parsed.error().message().find("attestation_service.type"), std::string::npos);
  EXPECT_NE(parsed.error().message().find("intel_ta"), std::string::npos);
  EXPECT_NE(parsed.error().message().find("coco_as_builtin"), std::string::npos);
}

TEST(KbsConfigFiles, E2eConfigValues) {
  auto parsed = LoadKbsConfig((kConfigDir / "e2e-test-kbs.toml").string());
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  const KbsConfig& c = *parsed;
  EXPECT_EQ(c.http_server.sockets, std::vector<std::string>{"127.0.0.1:8080"});
  EXPECT_FALSE(c.http_server.insecure_http);
  EXPECT_EQ(c.http_server.private_key, "./work/https.key");
  EXPECT_EQ(c.http_server.certificate, "./work/https.crt");
  EXPECT_EQ(c.attestation_token.trusted_certs_paths,
            std::vector<std::string>{"./work/ca-cert.pem"});
  EXPECT_EQ(c.attestation_service.type, "coco_as_builtin");
  EXPECT_EQ(c.attestation_service.token_duration_min, 5);
  ASSERT_TRUE(c.attestation_service.signer.has_value());
  EXPECT_EQ(c.attestation_service.signer->key_path, "./work/token.key");
  EXPECT_EQ(c.attestation_service.signer->cert_path, "./work/token-cert-chain.pem");
  EXPECT_EQ(c.storage_backend.storage_type, "LocalFs");
  EXPECT_EQ(c.storage_backend.options, (KvStoreOptions{{"dir_path", "./work/storage"}}));
  EXPECT_EQ(c.admin.authorization_mode, "AuthenticatedAuthorization");
  ASSERT_EQ(c.admin.identity_providers.size(), 1u);
  EXPECT_EQ(c.admin.identity_providers[0].issuer, "issuer");
  EXPECT_EQ(c.admin.identity_providers[0].audience, "kbs");
  EXPECT_EQ(c.admin.identity_providers[0].public_key_uri, "./work/kbs.pem");
  EXPECT_EQ(c.admin.identity_providers[0].jwk_set_uri, "");
  ASSERT_EQ(c.admin.acls.size(), 1u);
  EXPECT_EQ(c.admin.acls[0].role, "admin");
  EXPECT_EQ(c.admin.acls[0].allowed_endpoints, "^/kbs/.+$");
  ASSERT_EQ(c.plugins.size(), 1u);
  EXPECT_EQ(c.plugins[0].name, "resource");
  EXPECT_EQ(c.plugins[0].storage_backend_type, "kvstorage");
}

TEST(KbsConfigFiles, SnakeCaseStorageAndTopLevelSessionType) {
  auto parsed = LoadKbsConfig((kConfigDir / "parse-tests/coco-as-builtin-2.toml").string());
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(parsed->storage_backend.storage_type, "Memory");
  EXPECT_EQ(parsed->storage_backend.session_storage_type, "Memory");
  EXPECT_EQ(parsed->admin.authorization_mode, "InsecureAllowAll");
  EXPECT_EQ(parsed->http_server.payload_request_size_mib, 2u);

  auto json = LoadKbsConfig((kConfigDir / "parse-tests/coco-as-builtin-3.toml").string());
  ASSERT_TRUE(json) << json.error().ToString();
  EXPECT_EQ(json->storage_backend.storage_type, "LocalJson");
  EXPECT_EQ(json->storage_backend.options,
            (KvStoreOptions{{"file_dir_path", "/opt/confidential-containers/trustee"}}));
  EXPECT_TRUE(json->admin.identity_providers.empty());
  EXPECT_TRUE(json->admin.acls.empty());
}

// ---- hand-written cases ----------------------------------------------------------------------

constexpr std::string_view kHttp = "[http_server]\ninsecure_http = true\n";

Result<KbsConfig> Parse(std::string_view extra) {
  return ParseKbsConfig(std::string(kHttp) + std::string(extra), "test.toml");
}
// Top-level keys must come before the first [table] header.
Result<KbsConfig> ParseTop(std::string_view top, std::string_view extra = "") {
  return ParseKbsConfig(std::string(top) + std::string(kHttp) + std::string(extra), "test.toml");
}

void ExpectError(const Result<KbsConfig>& r, Code code, std::string_view needle) {
  ASSERT_FALSE(r) << "expected " << CodeName(code) << " containing " << needle;
  EXPECT_EQ(r.error().code(), code) << r.error().ToString();
  EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().ToString();
}

TEST(KbsConfig, WrongTypeNamesKeyPathAndPosition) {
  auto r = ParseKbsConfig("[http_server]\nsockets = 5\ninsecure_http = true\n", "kbs.toml");
  ExpectError(r, Code::kInvalidArgument, "kbs.toml:2:11: http_server.sockets");
  ExpectError(ParseKbsConfig("[http_server]\ninsecure_http = \"yes\"\n", "kbs.toml"),
              Code::kInvalidArgument, "kbs.toml:2:17: http_server.insecure_http");
  ExpectError(Parse("[admin]\nauthorization_mode = 3\n"), Code::kInvalidArgument,
              "admin.authorization_mode");
}

TEST(KbsConfig, SyntaxErrorHasPosition) {
  ExpectError(ParseKbsConfig("[http_server]\ninsecure_http = \n", "bad.toml"),
              Code::kInvalidArgument, "bad.toml:2:");
}

TEST(KbsConfig, SocketValidation) {
  for (const char* ok : {"0.0.0.0:8080", "127.0.0.1:0", "[::1]:8080", "[::]:65535"}) {
    auto r = Parse(std::string("sockets = [\"") + ok + "\"]\n");
    ASSERT_TRUE(r) << ok << ": " << r.error().ToString();
    EXPECT_EQ(r->http_server.sockets, std::vector<std::string>{ok});
  }
  for (const char* bad : {"localhost:8080", "1.2.3.4", "1.2.3.4:65536", "::1:8080",
                          "1.2.3.4:", "[::1]8080", "1.2.3.4:+80", ""}) {
    auto r = Parse(std::string("sockets = [\"") + bad + "\"]\n");
    ExpectError(r, Code::kInvalidArgument, "http_server.sockets");
  }
  ExpectError(Parse("sockets = []\n"), Code::kInvalidArgument, "http_server.sockets");
}

TEST(KbsConfig, HttpsNeedsKeyAndCertificate) {
  auto r = ParseKbsConfig("[http_server]\nprivate_key = \"/k.pem\"\n", "t");
  ExpectError(r, Code::kFailedPrecondition, "insecure_http = true");
  EXPECT_NE(r.error().message().find("certificate"), std::string::npos);
  ExpectError(ParseKbsConfig("", "t"), Code::kFailedPrecondition, "private_key");
  auto ok = ParseKbsConfig("[http_server]\nprivate_key = \"/k\"\ncertificate = \"/c\"\n", "t");
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_FALSE(ok->http_server.insecure_http);
}

TEST(KbsConfig, NumericLimits) {
  auto at_limit = ParseKbsConfig(
      "[http_server]\ninsecure_http = true\npayload_request_size = 1024\nworker_count = 8\n", "t");
  ASSERT_TRUE(at_limit) << at_limit.error().ToString();
  EXPECT_EQ(at_limit->http_server.payload_request_size_mib, 1024u);
  EXPECT_EQ(at_limit->http_server.worker_count, 8);
  ExpectError(
      ParseKbsConfig("[http_server]\ninsecure_http = true\npayload_request_size = 1025\n", "t"),
      Code::kInvalidArgument, "http_server.payload_request_size");
  ExpectError(
      ParseKbsConfig("[http_server]\ninsecure_http = true\npayload_request_size = 0\n", "t"),
      Code::kInvalidArgument, "payload_request_size");
  ExpectError(Parse("[attestation_service]\ntimeout = -1\n"), Code::kInvalidArgument,
              "attestation_service.timeout");
}

TEST(KbsConfig, MissingAdminIsDenyAll) {
  auto r = Parse("");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->admin.authorization_mode, "DenyAll");
  EXPECT_EQ(r->attestation_service.type, "coco_as_builtin");
  EXPECT_EQ(r->storage_backend.storage_type, "Sqlite");
  EXPECT_EQ(r->storage_backend.options.at("path"), "./cocoon-kbs.sqlite");
  EXPECT_EQ(r->storage_backend.session_storage_type, "Memory");
  EXPECT_EQ(r->policy_engine.builtin, "default");
}

TEST(KbsConfig, AdminModesValidated) {
  for (const char* mode : {"InsecureAllowAll", "DenyAll", "AuthenticatedAuthorization"}) {
    auto r = Parse(std::string("[admin]\nauthorization_mode = \"") + mode + "\"\n");
    ASSERT_TRUE(r) << mode;
    EXPECT_EQ(r->admin.authorization_mode, mode);
  }
  ExpectError(Parse("[admin]\nauthorization_mode = \"AllowAll\"\n"), Code::kInvalidArgument,
              "admin.authorization_mode");
}

TEST(KbsConfig, LegacyAuthPublicKey) {
  auto r = Parse("[admin]\nauth_public_key = \"/etc/kbs-admin.pub\"\n");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->admin.auth_public_key, "/etc/kbs-admin.pub");
  EXPECT_EQ(r->admin.authorization_mode, "AuthenticatedAuthorization");
  auto insecure = Parse("[admin]\ninsecure_api = true\n");
  ASSERT_TRUE(insecure);
  EXPECT_EQ(insecure->admin.authorization_mode, "InsecureAllowAll");
}

TEST(KbsConfig, AclRegexValidated) {
  constexpr std::string_view kHead =
      "[admin]\nauthorization_mode = \"AuthenticatedAuthorization\"\n"
      "[admin.authorization.regex_acl]\n";
  auto ok = Parse(std::string(kHead) +
                  "acls = [{ role = \"a\", allowed_endpoints = \"^/kbs/v0/resource/.+$\" }]\n");
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->admin.acls.at(0).allowed_endpoints, "^/kbs/v0/resource/.+$");
  for (const char* bad : {"/kbs/.+$", "^/kbs/.+", "^/other/.+$", "^/kbs/(+$", "^/kbs/[a-$"}) {
    auto r = Parse(std::string(kHead) + "acls = [{ role = \"a\", allowed_endpoints = \"" + bad +
                   "\" }]\n");
    ExpectError(r, Code::kInvalidArgument,
                "admin.authorization.regex_acl.acls[0].allowed_endpoints");
  }
  ExpectError(Parse(std::string(kHead) + "acls = [{ allowed_endpoints = \"^/kbs/.+$\" }]\n"),
              Code::kInvalidArgument, "acls[0].role");
  ExpectError(
      Parse(std::string(kHead) + "acls = [{ role = \"a\", allowed_endpoint = \"^/kbs/.+$\" }]\n"),
      Code::kInvalidArgument, "acls[0].allowed_endpoint");
}

TEST(KbsConfig, IdentityProvidersAreStrict) {
  constexpr std::string_view kHead = "[admin.authentication.bearer_jwt]\nidentity_providers = [";
  auto ok = Parse(std::string(kHead) +
                  "{ issuer = \"i\", audience = \"a\", jwk_set_uri = \"/j.json\" }]\n");
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->admin.identity_providers.at(0).jwk_set_uri, "/j.json");
  // A misspelt "audience" must not silently drop the audience check.
  ExpectError(Parse(std::string(kHead) + "{ issuer = \"i\", audiance = \"a\", "
                                         "public_key_uri = \"/p\" }]\n"),
              Code::kInvalidArgument, "identity_providers[0].audiance");
  ExpectError(Parse(std::string(kHead) + "{ issuer = \"i\" }]\n"), Code::kInvalidArgument,
              "public_key_uri or jwk_set_uri");
  ExpectError(Parse("[admin.authentication.bearer_jwt]\nidentity_providers = [\"x\"]\n"),
              Code::kInvalidArgument, "expected a table");
}

TEST(KbsConfig, AttestationServiceTypes) {
  auto builtin = Parse("[attestation_service]\ntype = \"CoCoASBuiltIn\"\ntimeout = 7\n");
  ASSERT_TRUE(builtin);
  EXPECT_EQ(builtin->attestation_service.type, "coco_as_builtin");
  EXPECT_EQ(builtin->attestation_service.timeout_min, 7);
  for (const char* t : {"coco_as_grpc", "CoCoASGrpc", "intel_ta", "IntelTA"}) {
    ExpectError(Parse(std::string("[attestation_service]\ntype = \"") + t + "\"\n"),
                Code::kUnimplemented, t);
  }
  ExpectError(Parse("[attestation_service]\ntype = \"coco_as_bultin\"\n"), Code::kInvalidArgument,
              "attestation_service.type");
}

TEST(KbsConfig, TokenBrokerAndSigner) {
  auto r = Parse(
      "[attestation_service.attestation_token_broker]\nduration_min = 10\nissuer_name = \"me\"\n"
      "developer_name = \"d\"\nbuild_name = \"b\"\nprofile_name = \"p\"\nverbose_token = false\n"
      "[attestation_service.attestation_token_broker.signer]\nkey_path = \"/k\"\n"
      "cert_url = \"https://x/c.pem\"\n");
  ASSERT_TRUE(r) << r.error().ToString();
  const AttestationServiceConfig& as = r->attestation_service;
  EXPECT_EQ(as.token_duration_min, 10);
  EXPECT_EQ(as.issuer_name, "me");
  EXPECT_EQ(as.developer_name, "d");
  EXPECT_EQ(as.build_name, "b");
  EXPECT_EQ(as.profile_name, "p");
  EXPECT_FALSE(as.verbose_token);
  ASSERT_TRUE(as.signer.has_value());
  EXPECT_EQ(as.signer->key_path, "/k");
  EXPECT_EQ(as.signer->cert_url, "https://x/c.pem");
  ExpectError(Parse("[attestation_service.attestation_token_broker.signer]\ncert_path = \"/c\"\n"),
              Code::kInvalidArgument, "signer.key_path");
}

TEST(KbsConfig, StorageTypesAndOptions) {
  auto sqlite = Parse(
      "[storage_backend]\nstorage_type = \"sqlite\"\nsession_storage_type = \"Sqlite\"\n"
      "[storage_backend.backends.sqlite]\npath = \"/var/lib/kbs.db\"\n"
      "[storage_backend.backends.local_fs]\ndir_path = \"/unused\"\n");
  ASSERT_TRUE(sqlite) << sqlite.error().ToString();
  EXPECT_EQ(sqlite->storage_backend.storage_type, "Sqlite");
  EXPECT_EQ(sqlite->storage_backend.options, (KvStoreOptions{{"path", "/var/lib/kbs.db"}}));
  EXPECT_EQ(sqlite->storage_backend.session_storage_type, "Sqlite");
  EXPECT_EQ(sqlite->storage_backend.session_options, (KvStoreOptions{{"path", "/var/lib/kbs.db"}}));

  auto redis = Parse(
      "[storage_backend]\nstorage_type = \"Redis\"\n"
      "[storage_backend.backends.redis]\nurl = \"redis://127.0.0.1:6379\"\nport = 5\ntls = true\n");
  ASSERT_TRUE(redis) << redis.error().ToString();
  EXPECT_EQ(redis->storage_backend.storage_type, "Redis");
  EXPECT_EQ(redis->storage_backend.options,
            (KvStoreOptions{{"url", "redis://127.0.0.1:6379"}, {"port", "5"}, {"tls", "true"}}));

  ExpectError(Parse("[storage_backend]\nstorage_type = \"Vault\"\n"), Code::kInvalidArgument,
              "storage_backend.storage_type");
  ExpectError(ParseTop("session_storage_type = \"disk\"\n"), Code::kInvalidArgument,
              "session_storage_type");
}

TEST(KbsConfig, PolicyEngineAndPlugins) {
  auto r = Parse(
      "[policy_engine]\nbuiltin = \"allow_all\"\n"
      "[[plugins]]\nname = \"sample\"\nitem = \"value1\"\n"
      "[[plugins]]\nname = \"resource\"\nstorage_backend_type = \"kvstorage\"\n");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->policy_engine.builtin, "allow_all");
  ASSERT_EQ(r->plugins.size(), 2u);
  EXPECT_EQ(r->plugins[0].name, "sample");
  EXPECT_EQ(r->plugins[0].options, (std::map<std::string, std::string>{{"item", "value1"}}));
  EXPECT_EQ(r->plugins[1].name, "resource");
  EXPECT_TRUE(r->plugins[1].options.empty());
  ExpectError(Parse("[policy_engine]\nbuiltin = \"opa\"\n"), Code::kInvalidArgument,
              "policy_engine.builtin");
  ExpectError(Parse("[[plugins]]\nname = \"resource\"\nstorage_backend_type = \"Vault\"\n"),
              Code::kUnimplemented, "plugins[0].storage_backend_type");
  ExpectError(Parse("[[plugins]]\nstorage_backend_type = \"kvstorage\"\n"), Code::kInvalidArgument,
              "plugins[0].name");
  ExpectError(ParseTop("plugins = 3\n"), Code::kInvalidArgument, "plugins");
}

TEST(KbsConfig, TopLevelKeys) {
  auto r = ParseTop("log_level = \"debug\"\naccess_log = false\n");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->log_level, "debug");
  EXPECT_FALSE(r->access_log);
  ExpectError(ParseTop("log_level = \"loud\"\n"), Code::kInvalidArgument, "log_level");
}

TEST(KbsConfig, UnknownKeysAreWarnedNotFatal) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  auto r =
      ParseTop("colour = \"blue\"\n", "[http_server.tls]\n[policy_engine]\npolicy_path = \"/p\"\n");
  spdlog::set_default_logger(previous);
  ASSERT_TRUE(r) << r.error().ToString();
  std::string log;
  for (const std::string& line : sink->last_formatted()) log += line;
  EXPECT_NE(log.find("unknown key colour"), std::string::npos) << log;
  EXPECT_NE(log.find("unknown key http_server.tls"), std::string::npos) << log;
  EXPECT_NE(log.find("policy_engine.policy_path is accepted but ignored"), std::string::npos)
      << log;
}

TEST(KbsConfig, LoadMissingFileIsNotFound) {
  auto r = LoadKbsConfig("/nonexistent/cocoon/kbs.toml");
  ExpectError(r, Code::kNotFound, "/nonexistent/cocoon/kbs.toml");
}

TEST(KbsConfig, LoadErrorsNameTheFile) {
  fs::path file = kConfigDir / "helm-kbs-config.toml.template";
  ExpectError(LoadKbsConfig(file.string()), Code::kInvalidArgument, file.string() + ":1:");
}

TEST(KbsConfig, Defaults) {
  KbsConfig c = DefaultKbsConfig();
  EXPECT_TRUE(c.http_server.insecure_http);
  EXPECT_EQ(c.http_server.sockets, std::vector<std::string>{"127.0.0.1:8080"});
  EXPECT_EQ(c.storage_backend.storage_type, "Sqlite");
  EXPECT_EQ(c.storage_backend.options.at("path"), "./cocoon-kbs.sqlite");
  EXPECT_EQ(c.admin.authorization_mode, "DenyAll");
  EXPECT_EQ(c.policy_engine.builtin, "default");
  EXPECT_EQ(c.attestation_service.type, "coco_as_builtin");
}

}  // namespace
}  // namespace cocoon::kbs

namespace cocoon::kbs {
namespace {

// [attestation_service.verifier_config.tpm_verifier]: Trustee's empty table, plus cocoon's AK
// trust anchors; a wrong type is an error naming the key.
TEST(KbsConfigTpm, TrustedAkKeysAndRoots) {
  auto empty = ParseKbsConfig(
      "[http_server]\ninsecure_http = true\n"
      "[attestation_service.verifier_config]\ntpm_verifier = {}\n");
  ASSERT_TRUE(empty) << empty.error().ToString();
  EXPECT_TRUE(empty->attestation_service.verifiers.tpm.trusted_ak_keys.empty());
  auto set = ParseKbsConfig(
      "[http_server]\ninsecure_http = true\n"
      "[attestation_service.verifier_config.tpm_verifier]\n"
      "trusted_ak_keys = [\"/a.pem\", \"/b.pub\"]\ntrusted_ak_roots = [\"/ca.pem\"]\n");
  ASSERT_TRUE(set) << set.error().ToString();
  EXPECT_EQ(set->attestation_service.verifiers.tpm.trusted_ak_keys,
            (std::vector<std::string>{"/a.pem", "/b.pub"}));
  EXPECT_EQ(set->attestation_service.verifiers.tpm.trusted_ak_roots,
            (std::vector<std::string>{"/ca.pem"}));
  auto bad = ParseKbsConfig(
      "[http_server]\ninsecure_http = true\n"
      "[attestation_service.verifier_config.tpm_verifier]\ntrusted_ak_keys = \"/a.pem\"\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("trusted_ak_keys"), std::string::npos);
}

// [attestation_service] allowed_tees / insecure_sample_tee and the tdx/snp verifier tables: the
// shared contract of issue 11 (docs/config.md).
TEST(KbsConfigTrust, SecureDefaults) {
  auto c = ParseKbsConfig("[http_server]\ninsecure_http = true\n");
  ASSERT_TRUE(c) << c.error().ToString();
  const AttestationServiceConfig& as = c->attestation_service;
  EXPECT_EQ(as.verifiers.allowed_tees, (std::vector<std::string>{"snp", "tdx", "tpm"}));
  EXPECT_FALSE(as.verifiers.insecure_sample_tee);
  EXPECT_EQ(as.verifiers.tdx.collateral, "");
  EXPECT_EQ(as.verifiers.snp.kds_url, "https://kdsintf.amd.com");
  EXPECT_EQ(as.verifiers.snp.crl_dir, "");
  EXPECT_FALSE(DefaultKbsConfig().attestation_service.verifiers.insecure_sample_tee);
}

TEST(KbsConfigTrust, AllKeysRead) {
  auto c = ParseKbsConfig(
      "[http_server]\ninsecure_http = true\n"
      "[attestation_service]\nallowed_tees = [\"tdx\", \"sample\"]\n"
      "insecure_sample_tee = true\n"
      "[attestation_service.verifier_config.tdx_verifier]\ncollateral = \"https://pccs:8081\"\n"
      "root = \"TrustedRootCA.der\"\naccept_out_of_date = true\n"
      "[attestation_service.verifier_config.snp_verifier]\nkds_url = \"http://127.0.0.1:9\"\n"
      "cache_dir = \"/var/cache/kds\"\ncrl_dir = \"/etc/crls\"\n");
  ASSERT_TRUE(c) << c.error().ToString();
  const AttestationServiceConfig& as = c->attestation_service;
  EXPECT_EQ(as.verifiers.allowed_tees, (std::vector<std::string>{"tdx", "sample"}));
  EXPECT_TRUE(as.verifiers.insecure_sample_tee);
  EXPECT_EQ(as.verifiers.tdx.collateral, "https://pccs:8081");
  EXPECT_EQ(as.verifiers.tdx.root, "TrustedRootCA.der");
  EXPECT_TRUE(as.verifiers.tdx.accept_out_of_date);
  EXPECT_EQ(as.verifiers.snp.kds_url, "http://127.0.0.1:9");
  EXPECT_EQ(as.verifiers.snp.cache_dir, "/var/cache/kds");
  EXPECT_EQ(as.verifiers.snp.crl_dir, "/etc/crls");
}

TEST(KbsConfigTrust, MistakesNameTheKey) {
  auto sample = ParseKbsConfig(
      "[http_server]\ninsecure_http = true\n[attestation_service]\nallowed_tees = [\"sample\"]\n");
  ASSERT_FALSE(sample);
  EXPECT_EQ(sample.error().code(), Code::kInvalidArgument);
  EXPECT_NE(sample.error().message().find("insecure_sample_tee = true"), std::string::npos)
      << sample.error().message();
  auto kds = ParseKbsConfig(
      "[http_server]\ninsecure_http = true\n"
      "[attestation_service.verifier_config.snp_verifier]\nkds_url = \"kdsintf.amd.com\"\n");
  ASSERT_FALSE(kds);
  EXPECT_NE(kds.error().message().find("kds_url"), std::string::npos) << kds.error().message();
  auto type = ParseKbsConfig(
      "[http_server]\ninsecure_http = true\n[attestation_service]\ninsecure_sample_tee = "
      "\"yes\"\n");
  ASSERT_FALSE(type);
  EXPECT_NE(type.error().message().find("insecure_sample_tee"), std::string::npos);
}

}  // namespace
}  // namespace cocoon::kbs
