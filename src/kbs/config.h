// cocoon-kbs configuration, read from TOML with Trustee's KBS section and key names
// (docs/config.md) so a Trustee config file works unchanged where the feature
// exists. Unknown sections/keys are ignored with a warning; wrong types are errors.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/limits.h"
#include "kbs/kv_store.h"
#include "tee/registry.h"

namespace cocoon::kbs {

struct HttpServerConfig {
  std::vector<std::string> sockets = {"127.0.0.1:8080"};  // "ip:port"; IPv6 as "[::1]:8080"
  bool insecure_http = false;  // false => private_key + certificate required
  std::string private_key;     // PEM path
  std::string certificate;     // PEM path
  size_t payload_request_size_mib = 2;
  int worker_count = 0;  // 0 = number of CPUs
  // cocoon extension: open connections in total and per client address (IPv6: per /64).
  size_t max_connections = limits::kHttpMaxConnections;
  size_t max_connections_per_ip = limits::kHttpMaxConnectionsPerIp;
};

struct AttestationTokenConfig {
  std::vector<std::string> trusted_certs_paths;
  std::vector<std::string> trusted_jwk_sets;  // file:// paths or plain paths to JWKS files
  std::vector<std::string> extra_teekey_paths;
  bool insecure_header_jwk = false;
};

struct TokenSignerConfig {
  std::string key_path;   // P-256 PEM
  std::string cert_path;  // PEM chain -> x5c
  std::string cert_url;   // -> x5u
};

struct AttestationServiceConfig {
  std::string type = "coco_as_builtin";
  int timeout_min = 5;  // RCAR session lifetime
  // [attestation_service.attestation_token_broker]
  int token_duration_min = 5;
  std::string issuer_name = "CoCo-Attestation-Service";
  std::string developer_name = "https://confidentialcontainers.org";
  std::string build_name = "cocoon-kbs 0.1.0";
  std::string profile_name = "tag:github.com,2024:confidential-containers/Trustee";
  bool verbose_token = true;
  std::optional<TokenSignerConfig> signer;
  // allowed_tees, insecure_sample_tee and [attestation_service.verifier_config]: which TEEs
  // /auth accepts and with which roots of trust (kbs/verifiers.h). The tpm TEE is refused
  // without trusted_ak_keys or trusted_ak_roots (Trustee leaves the AK to the policy; cocoon
  // does not); sample only with insecure_sample_tee, with a warning at start.
  tee::VerifierSettings verifiers;
};

struct IdentityProvider {
  std::string issuer;
  std::string audience;
  std::string public_key_uri;  // PEM public key path
  std::string jwk_set_uri;     // JWKS file path
};

struct AclEntry {
  std::string role;
  std::string allowed_endpoints;  // regex, must start with "^/kbs" and end with "$"
  // cocoon extension: HTTP methods this entry allows ("GET", "POST", "DELETE"); empty = any.
  std::vector<std::string> allowed_methods = {};
};

struct AdminConfig {
  // "InsecureAllowAll" | "DenyAll" | "AuthenticatedAuthorization"
  std::string authorization_mode = "DenyAll";
  std::vector<IdentityProvider> identity_providers;
  std::vector<AclEntry> acls;
  // Legacy Trustee form (before the admin refactor): a single Ed25519 PEM; accepted as one
  // identity provider with role "admin" allowed on "^/kbs/.+$".
  std::string auth_public_key;
};

struct StorageConfig {
  // "Sqlite" (default) | "Memory" | "LocalFs" | "LocalJson" (both map to a SQLite file in
  // their directory). Trustee's snake_case aliases are accepted.
  std::string storage_type = "Sqlite";
  KvStoreOptions options;  // e.g. {"path": …} for Sqlite, {"dir_path": …} for LocalFs
  // Sessions default to Memory (see docs/config.md): override with "Sqlite" to share them.
  std::string session_storage_type = "Memory";
  // Options of the session backend (from [storage_backend.backends.<its table>]).
  KvStoreOptions session_options;
  // Memory budget of the in-memory session table; when full, the oldest sessions are evicted
  // (their clients get 401 and re-attest). Bounds memory against /auth floods.
  size_t session_cache_mib = 32;
};

struct PolicyEngineConfig {
  std::string builtin = "default";  // "default" | "allow_all" | "deny_all"
};

struct PluginConfig {
  std::string name;
  std::string storage_backend_type = "kvstorage";
  // Other scalar keys of the [[plugins]] entry, as strings (plugin-specific settings).
  std::map<std::string, std::string> options;
};

struct KbsConfig {
  HttpServerConfig http_server;
  AttestationTokenConfig attestation_token;
  AttestationServiceConfig attestation_service;
  AdminConfig admin;
  StorageConfig storage_backend;
  PolicyEngineConfig policy_engine;
  std::vector<PluginConfig> plugins;
  std::string log_level = "info";
  bool access_log = true;
};

// Parses TOML text. InvalidArgument with "file:line:col: message" (or the key path) on errors;
// FailedPrecondition for inconsistent settings (e.g. HTTPS without a certificate).
Result<KbsConfig> ParseKbsConfig(std::string_view toml_text,
                                 std::string_view source_name = "config");
// NotFound if the file is missing.
Result<KbsConfig> LoadKbsConfig(const std::string& path);
// Defaults for running with no config file (local HTTP on 127.0.0.1:8080, sqlite in ./).
KbsConfig DefaultKbsConfig();

}  // namespace cocoon::kbs
