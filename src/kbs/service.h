// cocoon-kbs request handling: Trustee's KBS routes (docs/kbs.md) on top of
// the RCAR sessions, the built-in attestation service, the resource store and admin auth.
// Transport-free: takes an HttpRequest, returns an HttpResponse (see cmd/cocoon-kbs for wiring).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "attestation/service.h"
#include "attestation/token_verifier.h"
#include "kbs/admin_auth.h"
#include "kbs/config.h"
#include "kbs/kv_store.h"
#include "kbs/metrics.h"
#include "kbs/resource_store.h"
#include "kbs/rvps.h"
#include "kbs/session.h"
#include "kbs/tee_key_cache.h"
#include "net/http.h"
#include "policy/policy_engine.h"
#include "tee/tee.h"

namespace cocoon::kbs {

inline constexpr std::string_view kProtocolVersion = "0.4.0";

using Clock = std::function<int64_t()>;  // unix seconds
int64_t SystemClock();

class KbsService {
 public:
  // Builds every part from the config: stores, EAR signer, token trust, admin auth, policies.
  // Errors name the config key or file at fault.
  static Result<std::unique_ptr<KbsService>> Create(const KbsConfig& config,
                                                    const tee::VerifierRegistry* verifiers,
                                                    const KvStoreRegistry& stores,
                                                    Clock clock = SystemClock);
  ~KbsService();

  net::HttpResponse Handle(const net::HttpRequest& request);
  // Deletes expired sessions (run periodically by the server).
  void SweepSessions();
  const attestation::AttestationService& attestation_service() const { return *as_; }
  // Replaces the policy engine used for uploads (and reloads stored policies with it).
  Status SetPolicyEngine(std::unique_ptr<policy::PolicyEngine> engine) {
    engine_ = std::move(engine);
    return LoadStoredPolicies();
  }
  // Test hook: replaces the CSPRNG nonce (replaying recorded handshakes).
  void SetNonceSourceForTesting(std::function<Bytes()> source) {
    nonce_source_ = std::move(source);
  }

 private:
  KbsService() = default;
  net::HttpResponse Route(const net::HttpRequest& req, std::string* route_label);
  net::HttpResponse Auth(const net::HttpRequest& req);
  net::HttpResponse Attest(const net::HttpRequest& req);
  net::HttpResponse GetResource(const net::HttpRequest& req, const std::vector<std::string>& path);
  net::HttpResponse WriteResource(const net::HttpRequest& req,
                                  const std::vector<std::string>& path);
  net::HttpResponse SetAttestationPolicy(const net::HttpRequest& req);
  net::HttpResponse ResourcePolicy(const net::HttpRequest& req);
  net::HttpResponse ReferenceValue(const net::HttpRequest& req,
                                   const std::vector<std::string>& path);
  Result<std::string> FindToken(const net::HttpRequest& req);
  std::shared_ptr<const policy::Policy> resource_policy() const;
  Status LoadStoredPolicies();

  Clock clock_;
  std::function<Bytes()> nonce_source_;
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<KvStore> session_kv_;
  std::unique_ptr<SessionStore> sessions_;
  std::unique_ptr<ResourceStore> resources_;
  std::unique_ptr<ReferenceValueStore> rvps_;
  std::unique_ptr<attestation::AttestationService> as_;
  std::unique_ptr<attestation::TokenVerifier> token_verifier_;
  std::unique_ptr<AdminAuthorizer> admin_;
  std::unique_ptr<policy::PolicyEngine> engine_;
  mutable std::mutex policy_mu_;
  std::shared_ptr<const policy::Policy> resource_policy_;  // guarded by policy_mu_
  const tee::VerifierRegistry* verifiers_ = nullptr;
  Metrics metrics_;
  TeeKeyCache tee_keys_;
};

}  // namespace cocoon::kbs
