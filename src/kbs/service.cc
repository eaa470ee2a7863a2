// KbsService: construction from config, routing, admin policy/reference-value endpoints.
#include "kbs/service.h"

#include <chrono>

#include "base/encoding.h"
#include "base/file.h"
#include "base/logging.h"
#include "kbs/errors.h"
#include "policy/defaults.h"
#include "policy/rego_engine.h"

namespace cocoon::kbs {

int64_t SystemClock() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

KbsService::~KbsService() = default;

namespace {

Result<attestation::EarIssuer> MakeIssuer(const AttestationServiceConfig& c) {
  attestation::EarIssuerOptions o;
  o.duration_min = c.token_duration_min;
  o.issuer_name = c.issuer_name;
  o.developer_name = c.developer_name;
  o.build_name = c.build_name;
  o.profile_name = c.profile_name;
  if (c.signer && !c.signer->key_path.empty()) {
    ASSIGN_OR_RETURN(std::string pem, base::ReadFile(c.signer->key_path, "token signer key"));
    ASSIGN_OR_RETURN(o.key, crypto::PrivateKey::FromPem(pem));
    if (!c.signer->cert_path.empty()) {
      ASSIGN_OR_RETURN(o.chain,
                       crypto::LoadCertificates(c.signer->cert_path, "token signer chain"));
    }
    o.cert_url = c.signer->cert_url;
  }
  return attestation::EarIssuer::Create(std::move(o));
}

Result<attestation::TokenVerifierOptions> MakeTokenTrust(const AttestationTokenConfig& c) {
  attestation::TokenVerifierOptions o;
  o.insecure_header_jwk = c.insecure_header_jwk;
  o.extra_teekey_paths = c.extra_teekey_paths;
  for (const auto& p : c.trusted_certs_paths) {
    ASSIGN_OR_RETURN(auto certs, crypto::LoadCertificates(p, "trusted certificate"));
    for (auto& cert : certs) o.trusted_certs.push_back(std::move(cert));
  }
  for (const auto& p : c.trusted_jwk_sets) {
    if (p.rfind("https://", 0) == 0 || p.rfind("http://", 0) == 0) {
      return Unimplemented("attestation_token.trusted_jwk_sets: remote JWKS " + p +
                           " is not supported yet; download it and use a file path");
    }
    ASSIGN_OR_RETURN(Json keys, attestation::LoadJwksFile(p));
    for (auto& k : keys) o.trusted_jwks.push_back(k);
  }
  return o;
}

}  // namespace

Result<std::unique_ptr<KbsService>> KbsService::Create(const KbsConfig& config,
                                                       const tee::VerifierRegistry* verifiers,
                                                       const KvStoreRegistry& stores, Clock clock) {
  std::unique_ptr<KbsService> s(new KbsService());
  s->clock_ = std::move(clock);
  s->verifiers_ = verifiers;
  const auto& sc = config.storage_backend;
  ASSIGN_OR_RETURN(s->kv_, stores.Create(sc.storage_type, sc.options));
  const int64_t ttl = int64_t{config.attestation_service.timeout_min} * 60;
  if (sc.session_storage_type == "Memory") {
    s->sessions_ = NewMemorySessionStore(ttl, sc.session_cache_mib << 20);
  } else if (sc.session_storage_type == sc.storage_type) {
    s->sessions_ = NewKvSessionStore(s->kv_.get(), ttl);  // share the main store
  } else {
    ASSIGN_OR_RETURN(s->session_kv_, stores.Create(sc.session_storage_type, sc.session_options));
    s->sessions_ = NewKvSessionStore(s->session_kv_.get(), ttl);
  }
  s->resources_ = std::make_unique<KvResourceStore>(s->kv_.get());
  s->rvps_ = std::make_unique<ReferenceValueStore>(s->kv_.get());

  ASSIGN_OR_RETURN(attestation::EarIssuer issuer, MakeIssuer(config.attestation_service));
  ReferenceValueStore* rvps = s->rvps_.get();
  auto lookup = [rvps, clock = s->clock_](std::string_view id) {
    auto v = rvps->Query(id, clock());
    return v ? *v : Json(nullptr);
  };
  s->as_ = std::make_unique<attestation::AttestationService>(verifiers, std::move(issuer), lookup);
  ASSIGN_OR_RETURN(attestation::TokenVerifierOptions trust,
                   MakeTokenTrust(config.attestation_token));
  trust.trusted_keys.push_back(s->as_->issuer().public_key());
  s->token_verifier_ = std::make_unique<attestation::TokenVerifier>(std::move(trust));
  ASSIGN_OR_RETURN(s->admin_, AdminAuthorizer::Create(config.admin));
  s->engine_ = policy::NewRegoEngine();
  // The configured default (embedded Rego) serves until a policy is uploaded or stored.
  ASSIGN_OR_RETURN(s->resource_policy_,
                   policy::DefaultResourcePolicy(config.policy_engine.builtin));
  TRY(s->LoadStoredPolicies());
  return s;
}

void KbsService::SweepSessions() {
  auto n = sessions_->Sweep(clock_());
  if (!n) LOG_WARN("session sweep failed: {}", n.error().message());
}

namespace {

constexpr std::string_view kResourcePolicyNamespace = "kbs";
constexpr std::string_view kResourcePolicyKey = "resource-policy.rego";
constexpr std::string_view kAsPolicyNamespace = "attestation_service_policy";

std::vector<std::string> SplitPath(std::string_view rest) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= rest.size()) {
    size_t end = rest.find('/', start);
    if (end == std::string_view::npos) end = rest.size();
    out.emplace_back(rest.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Result<std::string> DecodePolicyField(const std::string& body) {
  ASSIGN_OR_RETURN(Json j, base::ParseJson(body));
  ASSIGN_OR_RETURN(std::string b64, base::GetString(j, "policy"));
  ASSIGN_OR_RETURN(Bytes text, base::Base64UrlDecode(b64));
  return ToString(text);
}

}  // namespace

// Policies are compiled before they replace anything: a policy that does not compile is
// refused with its position and the active one stays. Accepted policies are stored, so a
// restart keeps them (KV namespaces as in Trustee).
net::HttpResponse KbsService::SetAttestationPolicy(const net::HttpRequest& req) {
  auto body = base::ParseJson(req.body);
  if (!body) return ErrorResponse(KbsError::kParsePolicyError, body.error());
  auto id = base::GetStringOr(*body, "policy_id", "default_cpu");
  auto text = DecodePolicyField(req.body);
  if (!id || !text) {
    return ErrorResponse(KbsError::kParsePolicyError, !id ? id.error() : text.error());
  }
  if (auto st = ValidateKey(*id); !st)
    return ErrorResponse(KbsError::kParsePolicyError, st.error());
  auto compiled = engine_->Compile(*id, *text);
  if (!compiled) return ErrorResponse(KbsError::kPolicyEngineError, compiled.error());
  if (auto st = kv_->Set(kAsPolicyNamespace, *id + ".rego", AsBytes(*text)); !st) {
    return ErrorResponse(KbsError::kPolicyEngineError, st.error());
  }
  as_->SetPolicy(*id, *compiled);
  return net::HttpResponse::Text(200, "");
}

net::HttpResponse KbsService::ResourcePolicy(const net::HttpRequest& req) {
  if (req.method == "GET") return net::HttpResponse::Json(200, R"(["resource-policy"])");
  auto text = DecodePolicyField(req.body);
  if (!text) return ErrorResponse(KbsError::kParsePolicyError, text.error());
  auto compiled = engine_->Compile("resource-policy", *text);
  if (!compiled) return ErrorResponse(KbsError::kPolicyEngineError, compiled.error());
  if (auto st = kv_->Set(kResourcePolicyNamespace, kResourcePolicyKey, AsBytes(*text)); !st) {
    return ErrorResponse(KbsError::kPolicyEngineError, st.error());
  }
  std::lock_guard lock(policy_mu_);
  resource_policy_ = *compiled;
  return net::HttpResponse::Text(200, "");
}

std::shared_ptr<const policy::Policy> KbsService::resource_policy() const {
  std::lock_guard lock(policy_mu_);
  return resource_policy_;
}

Status KbsService::LoadStoredPolicies() {
  ASSIGN_OR_RETURN(auto stored, kv_->Get(kResourcePolicyNamespace, kResourcePolicyKey));
  if (stored) {
    auto compiled = engine_->Compile("resource-policy", AsString(*stored));
    if (!compiled) return std::unexpected(compiled.error().WithContext("stored resource policy"));
    resource_policy_ = *compiled;
  }
  ASSIGN_OR_RETURN(auto ids, kv_->List(kAsPolicyNamespace));
  for (const auto& key : ids) {
    ASSIGN_OR_RETURN(auto text, kv_->Get(kAsPolicyNamespace, key));
    if (!text || !key.ends_with(".rego")) continue;
    std::string id = key.substr(0, key.size() - 5);
    auto compiled = engine_->Compile(id, AsString(*text));
    if (!compiled) return std::unexpected(compiled.error().WithContext("stored policy " + id));
    as_->SetPolicy(id, *compiled);
  }
  return Ok();
}

net::HttpResponse KbsService::ReferenceValue(const net::HttpRequest& req,
                                             const std::vector<std::string>& path) {
  if (req.method == "POST") {
    auto names = rvps_->Register(req.body, clock_());
    if (!names) return ErrorResponse(KbsError::kRvpsError, names.error());
    return net::HttpResponse::Json(200, "");
  }
  std::string id;
  for (const auto& p : path) id += (id.empty() ? "" : "/") + p;
  if (req.method == "DELETE") {
    if (auto st = rvps_->Delete(id); !st) return ErrorResponse(KbsError::kRvpsError, st.error());
    return net::HttpResponse::Json(200, "");
  }
  if (id.empty()) {  // cocoon extension: GET /kbs/v0/reference-value lists every record
    auto records = rvps_->ListRecords(clock_());
    if (!records) return ErrorResponse(KbsError::kRvpsError, records.error());
    return net::HttpResponse::Json(200, base::DumpJson(*records));
  }
  auto value = rvps_->Query(id, clock_());
  if (!value) return ErrorResponse(KbsError::kRvpsError, value.error());
  return net::HttpResponse::Json(200, base::DumpJson(*value));
}

net::HttpResponse KbsService::Route(const net::HttpRequest& req, std::string* label) {
  const std::string& m = req.method;
  if (req.path == "/healthz" && m == "GET") return net::HttpResponse::Text(200, "");
  if (req.path == "/metrics") {
    if (m != "GET") return net::HttpResponse::Text(405, "method not allowed");
    return net::HttpResponse::Text(200, metrics_.Render(), "text/plain; version=0.0.4");
  }
  if (req.path == "/.well-known/jwks.json" && m == "GET") {
    return net::HttpResponse::Json(200, base::DumpJson(as_->issuer().Jwks()));
  }
  constexpr std::string_view kPrefix = "/kbs/v0/";
  if (!req.path.starts_with(kPrefix)) {
    return ErrorResponse(KbsError::kInvalidRequestPath, "invalid request path " + req.path);
  }
  std::vector<std::string> seg = SplitPath(std::string_view(req.path).substr(kPrefix.size()));
  std::string plugin = seg.front();
  std::vector<std::string> rest(seg.begin() + 1, seg.end());
  if (plugin == "auth" && m == "POST") return *label = "auth", Auth(req);
  if (plugin == "attest" && m == "POST") return *label = "attest", Attest(req);
  if (plugin == "resource") {
    *label = "resource";
    if (m == "GET") return GetResource(req, rest);
    if (m == "POST" || m == "DELETE" || m == "HEAD") return WriteResource(req, rest);
  }
  bool admin_route = (plugin == "attestation-policy" && m == "POST") ||
                     (plugin == "resource-policy" && (m == "POST" || m == "GET")) ||
                     (plugin == "reference-value" && (m == "POST" || m == "GET" || m == "DELETE"));
  if (admin_route) {
    *label = "admin";
    if (auto st = admin_->Authorize(req, clock_()); !st) {
      return ErrorResponse(KbsError::kAdminAuthAccess, st.error());
    }
    if (plugin == "attestation-policy") return SetAttestationPolicy(req);
    if (plugin == "resource-policy") return ResourcePolicy(req);
    return ReferenceValue(req, rest);
  }
  return ErrorResponse(KbsError::kPluginNotFound, "Plugin " + plugin + " not found");
}

net::HttpResponse KbsService::Handle(const net::HttpRequest& req) {
  auto start = std::chrono::steady_clock::now();
  std::string label = "other";
  net::HttpResponse resp = Route(req, &label);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.ObserveRequest(label, resp.status, secs);
  return resp;
}

}  // namespace cocoon::kbs
