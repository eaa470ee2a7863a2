// cocoon-kbs config: maps Trustee's KBS TOML sections (every key: docs/config.md) onto
// KbsConfig. The file comes from the operator; it is still validated so mistakes fail at startup
// with the key and position, never later at request time.
#include "kbs/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/file.h"
#include "base/logging.h"
#include "base/regex.h"
#include "base/toml.h"

namespace cocoon::kbs {
namespace {

using base::TomlDocument;
using base::TomlTable;

constexpr std::string_view kDefaultSqlitePath = "./cocoon-kbs.sqlite";
constexpr int64_t kMaxPayloadMib = 1024;
constexpr int64_t kMaxWorkers = 1024;
constexpr int64_t kMaxConnections = 1'000'000;
constexpr int64_t kMaxMinutes = 60 * 24 * 366;

// ---- [http_server] ---------------------------------------------------------------------------

bool ParsePort(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  int port = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + (c - '0');
  }
  return port <= 65535;
}

// "a.b.c.d:port" or "[v6]:port", as Rust's SocketAddr parses them (no host names).
bool IsSocketAddress(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || !ParsePort(std::string_view(s).substr(colon + 1))) {
    return false;
  }
  std::string host = s.substr(0, colon);
  unsigned char buf[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1;
  }
  return inet_pton(AF_INET, host.c_str(), buf) == 1;
}

Status ParseHttpServer(const TomlTable& t, HttpServerConfig& c) {
  t.WarnUnknown({"sockets", "insecure_http", "private_key", "certificate", "payload_request_size",
                 "worker_count", "tls_profile", "tls_min_version", "tls_max_version", "tls_ciphers",
                 "tls_groups", "max_connections", "max_connections_per_ip"});
  for (std::string_view key :
       {"tls_profile", "tls_min_version", "tls_max_version", "tls_ciphers", "tls_groups"}) {
    t.WarnIgnored(key, "cocoon-kbs uses TLS 1.2/1.3 with OpenSSL's default ciphers and groups");
  }
  TRY(t.Read("sockets", c.sockets));
  if (c.sockets.empty()) return t.ErrorAt(Code::kInvalidArgument, "sockets", "is empty");
  for (const std::string& s : c.sockets) {
    if (!IsSocketAddress(s)) {
      return t.ErrorAt(Code::kInvalidArgument, "sockets",
                       "\"" + s + "\" is not \"ip:port\" (IPv6 as \"[::1]:8080\")");
    }
  }
  TRY(t.Read("insecure_http", c.insecure_http));
  TRY(t.Read("private_key", c.private_key));
  TRY(t.Read("certificate", c.certificate));
  TRY(t.ReadInt("payload_request_size", 1, kMaxPayloadMib, c.payload_request_size_mib));
  TRY(t.ReadInt("max_connections", 1, kMaxConnections, c.max_connections));
  TRY(t.ReadInt("max_connections_per_ip", 1, kMaxConnections, c.max_connections_per_ip));
  return t.ReadInt("worker_count", 0, kMaxWorkers, c.worker_count);
}

// ---- [attestation_token] ---------------------------------------------------------------------

Status ParseAttestationToken(const TomlTable& t, AttestationTokenConfig& c) {
  t.WarnUnknown({"trusted_certs_paths", "trusted_jwk_sets", "extra_teekey_paths",
                 "insecure_header_jwk", "insecure_key"});
  TRY(t.Read("trusted_certs_paths", c.trusted_certs_paths));
  TRY(t.Read("trusted_jwk_sets", c.trusted_jwk_sets));
  TRY(t.Read("extra_teekey_paths", c.extra_teekey_paths));
  TRY(t.Read("insecure_key", c.insecure_header_jwk));  // older Trustee name
  return t.Read("insecure_header_jwk", c.insecure_header_jwk);
}

// ---- [attestation_service] -------------------------------------------------------------------

Status ParseSigner(const TomlTable& t, std::optional<TokenSignerConfig>& out) {
  t.WarnUnknown({"key_path", "cert_path", "cert_url"});
  TokenSignerConfig signer;
  TRY(t.Read("key_path", signer.key_path));
  TRY(t.Read("cert_path", signer.cert_path));
  TRY(t.Read("cert_url", signer.cert_url));
  if (signer.key_path.empty()) {
    return t.ErrorAt(Code::kInvalidArgument, "key_path", "is required in a signer section");
  }
  out = std::move(signer);
  return Ok();
}

Status ParseTokenBroker(const TomlTable& t, AttestationServiceConfig& c) {
  t.WarnUnknown({"duration_min", "issuer_name", "developer_name", "build_name", "profile_name",
                 "verbose_token", "signer", "type", "policy_dir"});
  t.WarnIgnored("policy_dir", "policies live in storage namespace attestation_service_policy");
  TRY(t.ReadInt("duration_min", 1, kMaxMinutes, c.token_duration_min));
  TRY(t.Read("issuer_name", c.issuer_name));
  TRY(t.Read("developer_name", c.developer_name));
  TRY(t.Read("build_name", c.build_name));
  TRY(t.Read("profile_name", c.profile_name));
  TRY(t.Read("verbose_token", c.verbose_token));
  ASSIGN_OR_RETURN(auto signer, t.Table("signer"));
  if (signer.has_value()) TRY(ParseSigner(*signer, c.signer));
  return Ok();
}

// The RVPS and verifiers are built in; their Trustee settings are accepted so files load.
Status NoteBuiltinRvps(const TomlTable& t) {
  ASSIGN_OR_RETURN(auto rvps, t.Table("rvps_config"));
  if (!rvps.has_value()) return Ok();
  std::string type = "BuiltIn";
  TRY(rvps->Read("type", type));
  if (type != "BuiltIn") rvps->WarnIgnored("type", "cocoon-kbs always uses its built-in RVPS");
  return Ok();
}

Status ParseAllowedTees(const TomlTable& t, AttestationServiceConfig& c) {
  TRY(t.Read("allowed_tees", c.verifiers.allowed_tees));
  TRY(t.Read("insecure_sample_tee", c.verifiers.insecure_sample_tee));
  // Names without a verifier are refused when the verifiers are installed (kbs/verifiers.h), from
  // the TEE table itself.
  for (const std::string& tee : c.verifiers.allowed_tees) {
    if (tee == "sample" && !c.verifiers.insecure_sample_tee) {
      return t.ErrorAt(
          Code::kInvalidArgument, "allowed_tees",
          "\"sample\" proves nothing; it is enabled only by insecure_sample_tee = true");
    }
  }
  return Ok();
}

Status ParseTpmVerifier(const TomlTable& t, tee::TpmVerifierSettings& c) {
  // Trustee's tpm_verifier is an empty table; cocoon reads its AK trust anchors there.
  t.WarnUnknown({"trusted_ak_keys", "trusted_ak_roots"});
  TRY(t.Read("trusted_ak_keys", c.trusted_ak_keys));
  return t.Read("trusted_ak_roots", c.trusted_ak_roots);
}

Status ParseTdxVerifier(const TomlTable& t, tee::TdxVerifierSettings& c) {
  t.WarnUnknown({"collateral", "root", "accept_out_of_date"});
  TRY(t.Read("collateral", c.collateral));
  TRY(t.Read("root", c.root));
  return t.Read("accept_out_of_date", c.accept_out_of_date);
}

Status ParseSnpVerifier(const TomlTable& t, tee::SnpVerifierSettings& c) {
  t.WarnUnknown({"kds_url", "cache_dir", "crl_dir"});
  TRY(t.Read("kds_url", c.kds_url));
  TRY(t.Read("cache_dir", c.cache_dir));
  TRY(t.Read("crl_dir", c.crl_dir));
  if (!c.kds_url.empty() && !c.kds_url.starts_with("https://") &&
      !c.kds_url.starts_with("http://")) {
    return t.ErrorAt(Code::kInvalidArgument, "kds_url",
                     "\"" + c.kds_url + "\" is not an http(s):// URL");
  }
  return Ok();
}

Status ParseVerifierConfig(const TomlTable& t, AttestationServiceConfig& c) {
  t.WarnUnknown({"tpm_verifier", "tdx_verifier", "snp_verifier"});
  ASSIGN_OR_RETURN(auto tpm, t.Table("tpm_verifier"));
  if (tpm.has_value()) TRY(ParseTpmVerifier(*tpm, c.verifiers.tpm));
  ASSIGN_OR_RETURN(auto tdx, t.Table("tdx_verifier"));
  if (tdx.has_value()) TRY(ParseTdxVerifier(*tdx, c.verifiers.tdx));
  ASSIGN_OR_RETURN(auto snp, t.Table("snp_verifier"));
  if (snp.has_value()) TRY(ParseSnpVerifier(*snp, c.verifiers.snp));
  return Ok();
}

Status ParseAttestationService(const TomlTable& t, AttestationServiceConfig& c) {
  std::string type = c.type;
  TRY(t.Read("type", type));
  if (type == "coco_as_grpc" || type == "CoCoASGrpc" || type == "intel_ta" || type == "IntelTA") {
    return t.ErrorAt(Code::kUnimplemented, "type",
                     type + " is not supported by cocoon-kbs yet; use coco_as_builtin");
  }
  if (type != "coco_as_builtin" && type != "CoCoASBuiltIn") {
    return t.ErrorAt(Code::kInvalidArgument, "type",
                     "unknown attestation service type \"" + type +
                         "\" (Trustee's are coco_as_builtin, coco_as_grpc, intel_ta)");
  }
  c.type = "coco_as_builtin";
  t.WarnUnknown({"type", "timeout", "attestation_token_broker", "rvps_config", "verifier_config",
                 "storage_type", "work_dir", "allowed_tees", "insecure_sample_tee"});
  t.WarnIgnored("storage_type", "the AS shares [storage_backend]");
  t.WarnIgnored("work_dir", "state is kept in [storage_backend]");
  TRY(t.ReadInt("timeout", 1, kMaxMinutes, c.timeout_min));
  ASSIGN_OR_RETURN(auto broker, t.Table("attestation_token_broker"));
  if (broker.has_value()) TRY(ParseTokenBroker(*broker, c));
  TRY(NoteBuiltinRvps(t));
  TRY(ParseAllowedTees(t, c));
  ASSIGN_OR_RETURN(auto verifiers, t.Table("verifier_config"));
  if (verifiers.has_value()) TRY(ParseVerifierConfig(*verifiers, c));
  return Ok();
}

// ---- [admin] ---------------------------------------------------------------------------------

Status CheckAclRegex(const TomlTable& t, const std::string& pattern) {
  if (!pattern.starts_with("^/kbs") || !pattern.ends_with("$")) {
    return t.ErrorAt(Code::kInvalidArgument, "allowed_endpoints",
                     "\"" + pattern + "\" must start with \"^/kbs\" and end with \"$\"");
  }
  if (auto re = base::Regex::Compile(pattern, base::Regex::Dialect::kEcmaScript); !re) {
    return t.ErrorAt(Code::kInvalidArgument, "allowed_endpoints", re.error().message());
  }
  return Ok();
}

// The admin API serves GET, POST and DELETE; anything else in an ACL is a typo that would
// silently allow nothing, so it is refused.
Status CheckAclMethods(const TomlTable& t, const std::vector<std::string>& methods) {
  for (const std::string& m : methods) {
    if (m != "GET" && m != "POST" && m != "DELETE") {
      return t.ErrorAt(Code::kInvalidArgument, "allowed_methods",
                       "\"" + m + "\" is not one of \"GET\", \"POST\", \"DELETE\"");
    }
  }
  return Ok();
}

Status ParseIdentityProviders(const TomlTable& bearer, AdminConfig& c) {
  TRY(bearer.RejectUnknown({"identity_providers"}));
  ASSIGN_OR_RETURN(auto providers, bearer.TableArray("identity_providers"));
  for (const TomlTable& p : providers) {
    TRY(p.RejectUnknown({"issuer", "audience", "public_key_uri", "jwk_set_uri"}));
    IdentityProvider idp;
    TRY(p.Read("issuer", idp.issuer));
    TRY(p.Read("audience", idp.audience));
    TRY(p.Read("public_key_uri", idp.public_key_uri));
    TRY(p.Read("jwk_set_uri", idp.jwk_set_uri));
    if (idp.public_key_uri.empty() && idp.jwk_set_uri.empty()) {
      return p.ErrorAt(Code::kInvalidArgument, "", "needs public_key_uri or jwk_set_uri");
    }
    c.identity_providers.push_back(std::move(idp));
  }
  return Ok();
}

Status ParseAcls(const TomlTable& regex_acl, AdminConfig& c) {
  TRY(regex_acl.RejectUnknown({"acls"}));
  ASSIGN_OR_RETURN(auto acls, regex_acl.TableArray("acls"));
  for (const TomlTable& a : acls) {
    TRY(a.RejectUnknown({"role", "allowed_endpoints", "allowed_methods"}));
    AclEntry entry;
    TRY(a.Read("role", entry.role));
    TRY(a.Read("allowed_endpoints", entry.allowed_endpoints));
    TRY(a.Read("allowed_methods", entry.allowed_methods));
    if (entry.role.empty()) return a.ErrorAt(Code::kInvalidArgument, "role", "is required");
    TRY(CheckAclRegex(a, entry.allowed_endpoints));
    TRY(CheckAclMethods(a, entry.allowed_methods));
    c.acls.push_back(std::move(entry));
  }
  return Ok();
}

Status ParseAdminAuth(const TomlTable& t, AdminConfig& c) {
  ASSIGN_OR_RETURN(auto authn, t.Table("authentication"));
  if (authn.has_value()) {
    authn->WarnUnknown({"bearer_jwt"});
    ASSIGN_OR_RETURN(auto bearer, authn->Table("bearer_jwt"));
    if (bearer.has_value()) TRY(ParseIdentityProviders(*bearer, c));
  }
  ASSIGN_OR_RETURN(auto authz, t.Table("authorization"));
  if (authz.has_value()) {
    authz->WarnUnknown({"regex_acl"});
    ASSIGN_OR_RETURN(auto regex_acl, authz->Table("regex_acl"));
    if (regex_acl.has_value()) TRY(ParseAcls(*regex_acl, c));
  }
  return Ok();
}

Status ParseAdmin(const TomlTable& t, AdminConfig& c) {
  t.WarnUnknown(
      {"authorization_mode", "auth_public_key", "insecure_api", "authentication", "authorization"});
  TRY(t.Read("auth_public_key", c.auth_public_key));
  bool insecure_api = false;
  TRY(t.Read("insecure_api", insecure_api));
  // Without an explicit mode, the legacy keys decide: a key means authenticated admin access.
  if (!c.auth_public_key.empty()) c.authorization_mode = "AuthenticatedAuthorization";
  if (insecure_api) c.authorization_mode = "InsecureAllowAll";
  TRY(t.Read("authorization_mode", c.authorization_mode));
  const std::string& mode = c.authorization_mode;
  if (mode != "InsecureAllowAll" && mode != "DenyAll" && mode != "AuthenticatedAuthorization") {
    return t.ErrorAt(
        Code::kInvalidArgument, "authorization_mode",
        "\"" + mode + "\" is not one of InsecureAllowAll, DenyAll, AuthenticatedAuthorization");
  }
  TRY(ParseAdminAuth(t, c));
  if (mode == "AuthenticatedAuthorization" && c.identity_providers.empty() &&
      c.auth_public_key.empty()) {
    LOG_WARN("{}: no identity providers configured: every admin request will be denied", t.path());
  }
  if (mode == "InsecureAllowAll") {
    LOG_WARN("admin.authorization_mode = InsecureAllowAll: admin endpoints are open to anyone");
  }
  return Ok();
}

// ---- [storage_backend] -----------------------------------------------------------------------

struct StorageName {
  std::string_view canonical;
  std::string_view alias;  // Trustee's snake_case spelling, also its backends.<table> name
};
constexpr std::array<StorageName, 6> kStorageNames = {{{"Memory", "memory"},
                                                       {"Sqlite", "sqlite"},
                                                       {"LocalFs", "local_fs"},
                                                       {"LocalJson", "local_json"},
                                                       {"Postgres", "postgres"},
                                                       {"Redis", "redis"}}};

const StorageName* FindStorageName(std::string_view name) {
  for (const StorageName& n : kStorageNames) {
    if (name == n.canonical || name == n.alias) return &n;
  }
  return nullptr;
}

// Canonicalises `type` (read from `key` of `t`) and loads its backends.<table> options.
Status ResolveStorage(const TomlTable& t, std::string_view key,
                      const std::optional<TomlTable>& backends, std::string& type,
                      KvStoreOptions& options) {
  const StorageName* name = FindStorageName(type);
  if (name == nullptr) {
    return t.ErrorAt(Code::kInvalidArgument, key,
                     "unknown storage type \"" + type +
                         "\" (known: Sqlite, Memory, LocalFs, LocalJson, Postgres, Redis)");
  }
  type = std::string(name->canonical);
  if (!backends.has_value()) return Ok();
  ASSIGN_OR_RETURN(auto table, backends->Table(name->alias));
  if (table.has_value()) options = table->Scalars();
  return Ok();
}

Status ParseStorage(const TomlTable& root, StorageConfig& c) {
  // Trustee's own test configs put session_storage_type at the top level; its sample config
  // puts it in [storage_backend]. Both are read; the section wins.
  std::optional<TomlTable> section;
  ASSIGN_OR_RETURN(section, root.Table("storage_backend"));
  std::optional<TomlTable> backends;
  if (section.has_value()) {
    section->WarnUnknown({"storage_type", "session_storage_type", "session_cache_mib", "backends"});
    TRY(section->Read("storage_type", c.storage_type));
    TRY(section->ReadInt("session_cache_mib", 1, kMaxPayloadMib * 64, c.session_cache_mib));
    ASSIGN_OR_RETURN(backends, section->Table("backends"));
  }
  const TomlTable& type_at = section.has_value() ? *section : root;
  TRY(ResolveStorage(type_at, "storage_type", backends, c.storage_type, c.options));
  if (c.storage_type == "Sqlite" && !c.options.contains("path")) {
    c.options["path"] = std::string(kDefaultSqlitePath);
  }
  TRY(root.Read("session_storage_type", c.session_storage_type));
  const TomlTable* session_at = &root;
  if (section.has_value() && section->Has("session_storage_type")) {
    TRY(section->Read("session_storage_type", c.session_storage_type));
    session_at = &*section;
  }
  return ResolveStorage(*session_at, "session_storage_type", backends, c.session_storage_type,
                        c.session_options);
}

// ---- [policy_engine], [[plugins]] ------------------------------------------------------------

Status ParsePolicyEngine(const TomlTable& t, PolicyEngineConfig& c) {
  t.WarnUnknown({"builtin", "policy_path"});
  t.WarnIgnored("policy_path", "the resource policy lives in storage (set it via the admin API)");
  TRY(t.Read("builtin", c.builtin));
  if (c.builtin != "default" && c.builtin != "allow_all" && c.builtin != "deny_all" &&
      c.builtin != "affirming") {
    return t.ErrorAt(Code::kInvalidArgument, "builtin",
                     "\"" + c.builtin + "\" is not one of default, allow_all, deny_all, affirming");
  }
  return Ok();
}

Status ParsePlugins(const TomlTable& root, std::vector<PluginConfig>& plugins) {
  ASSIGN_OR_RETURN(auto tables, root.TableArray("plugins"));
  for (const TomlTable& t : tables) {
    PluginConfig p;
    TRY(t.Read("name", p.name));
    if (p.name.empty()) return t.ErrorAt(Code::kInvalidArgument, "name", "is required");
    TRY(t.Read("storage_backend_type", p.storage_backend_type));
    if (p.storage_backend_type != "kvstorage") {
      return t.ErrorAt(
          Code::kUnimplemented, "storage_backend_type",
          p.storage_backend_type + " is not supported by cocoon-kbs yet; use kvstorage");
    }
    p.options = t.Scalars();
    p.options.erase("name");
    p.options.erase("storage_backend_type");
    plugins.push_back(std::move(p));
  }
  return Ok();
}

// ---- top level -------------------------------------------------------------------------------

Status ParseTopLevel(const TomlTable& root, KbsConfig& c) {
  root.WarnUnknown({"http_server", "attestation_token", "attestation_service", "admin",
                    "storage_backend", "session_storage_type", "policy_engine", "plugins",
                    "log_level", "access_log"});
  TRY(root.Read("log_level", c.log_level));
  static constexpr std::array<std::string_view, 7> kLevels = {"trace", "debug",    "info", "warn",
                                                              "error", "critical", "off"};
  if (std::find(kLevels.begin(), kLevels.end(), c.log_level) == kLevels.end()) {
    return root.ErrorAt(Code::kInvalidArgument, "log_level",
                        "\"" + c.log_level +
                            "\" is not one of trace, debug, info, warn, error, "
                            "critical, off");
  }
  return root.Read("access_log", c.access_log);
}

template <typename Section>
Status ParseSection(const TomlTable& root, std::string_view key,
                    Status (*parse)(const TomlTable&, Section&), Section& out) {
  ASSIGN_OR_RETURN(auto table, root.Table(key));
  if (!table.has_value()) return Ok();
  return parse(*table, out);
}

Status Validate(const KbsConfig& c) {
  const HttpServerConfig& h = c.http_server;
  if (!h.insecure_http && (h.private_key.empty() || h.certificate.empty())) {
    return FailedPrecondition(
        "http_server: HTTPS (insecure_http = false, the default) needs private_key and "
        "certificate (PEM file paths); set them, or set insecure_http = true for plain HTTP");
  }
  return Ok();
}

}  // namespace

Result<KbsConfig> ParseKbsConfig(std::string_view toml_text, std::string_view source_name) {
  ASSIGN_OR_RETURN(TomlDocument doc, TomlDocument::Parse(toml_text, source_name));
  TomlTable root = doc.root();
  KbsConfig c;
  TRY(ParseTopLevel(root, c));
  TRY(ParseSection(root, "http_server", ParseHttpServer, c.http_server));
  TRY(ParseSection(root, "attestation_token", ParseAttestationToken, c.attestation_token));
  TRY(ParseSection(root, "attestation_service", ParseAttestationService, c.attestation_service));
  // Trustee requires [admin]; cocoon treats a missing section as DenyAll (the AdminConfig
  // default), so a config without it starts with the admin API closed rather than failing.
  TRY(ParseSection(root, "admin", ParseAdmin, c.admin));
  TRY(ParseStorage(root, c.storage_backend));
  TRY(ParseSection(root, "policy_engine", ParsePolicyEngine, c.policy_engine));
  TRY(ParsePlugins(root, c.plugins));
  TRY(Validate(c));
  return c;
}

Result<KbsConfig> LoadKbsConfig(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(path, "config file"));
  return ParseKbsConfig(text, path);
}

KbsConfig DefaultKbsConfig() {
  KbsConfig c;
  c.http_server.sockets = {"127.0.0.1:8080"};
  c.http_server.insecure_http = true;
  c.storage_backend.storage_type = "Sqlite";
  c.storage_backend.options = {{"path", std::string(kDefaultSqlitePath)}};
  c.admin.authorization_mode = "DenyAll";
  c.policy_engine.builtin = "default";
  return c;
}

}  // namespace cocoon::kbs
