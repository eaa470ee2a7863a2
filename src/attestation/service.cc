// Built-in AS request flow (Trustee attestation-service/src/lib.rs::evaluate).
#include "attestation/service.h"

#include <algorithm>
#include <mutex>

#include "attestation/init_data_binding.h"
#include "base/jcs.h"
#include "policy/defaults.h"

namespace cocoon::attestation {

Result<Bytes> RuntimeDataDigest(const Json& runtime_data, crypto::HashAlg hash) {
  ASSIGN_OR_RETURN(std::string canonical, base::Canonicalize(runtime_data));
  return crypto::Digest(hash, AsBytes(canonical));
}

AttestationService::AttestationService(const tee::VerifierRegistry* verifiers, EarIssuer issuer,
                                       policy::ReferenceValueLookup reference_values)
    : verifiers_(verifiers),
      issuer_(std::move(issuer)),
      reference_values_(std::move(reference_values)) {}

void AttestationService::SetPolicy(const std::string& id,
                                   std::shared_ptr<const policy::Policy> policy) {
  std::unique_lock lock(mu_);
  policies_[id] = std::move(policy);
}

Result<std::shared_ptr<const policy::Policy>> AttestationService::PolicyFor(
    const std::string& tee_class) const {
  std::shared_lock lock(mu_);
  auto it = policies_.find("default_" + tee_class);
  if (it != policies_.end()) return it->second;
  return policy::DefaultEarPolicy();
}

namespace {

// Trust claims from the policy: undefined => all 0; names and ranges checked (Trustee panics
// on unknown names; we refuse with a message instead).
Result<Json> CheckTrustClaims(const Json& tc) {
  Json out = Json::object();
  if (tc.is_null()) return out;
  if (!tc.is_object()) return Internal("policy trust_claims must be an object");
  if (tc.empty()) return Internal("At least one policy claim must be set.");
  for (const auto& [k, v] : tc.items()) {
    const auto& names = TrustClaimNames();
    if (std::find(names.begin(), names.end(), k) == names.end()) {
      return Internal("policy trust_claims has unknown claim \"" + k + "\"");
    }
    if (!v.is_number_integer() || v.get<int64_t>() < -128 || v.get<int64_t>() > 127) {
      return Internal("policy trust claim \"" + k + "\" must be an integer in -128..127");
    }
    out[k] = v;
  }
  return out;
}

}  // namespace

Result<EarSubmod> AttestationService::Appraise(const tee::TeeClaims& tc, const Json& runtime_data,
                                               const std::optional<initdata::InitDataDigest>& init,
                                               size_t index) const {
  Json tee_claims = tc.claims;
  Json annotated = Json::object();
  if (tee_claims.contains("init_data")) {
    annotated["init_data"] = tee_claims["init_data"];
    annotated["init_data_claims"] = init ? init->claims : Json(nullptr);
    tee_claims.erase("init_data");
  }
  if (tee_claims.contains("report_data")) {
    annotated["report_data"] = tee_claims["report_data"];
    annotated["runtime_data_claims"] = runtime_data;
    tee_claims.erase("report_data");
  }
  annotated[tc.tee] = std::move(tee_claims);

  ASSIGN_OR_RETURN(auto policy, PolicyFor(tc.tee_class));
  ASSIGN_OR_RETURN(Json trust, policy->Query("data.policy.trust_claims", annotated, Json::object(),
                                             reference_values_));
  ASSIGN_OR_RETURN(Json vector, CheckTrustClaims(trust));
  ASSIGN_OR_RETURN(Json ext, policy->Query("data.policy.extensions", annotated, Json::object(),
                                           reference_values_));
  EarSubmod sub;
  sub.name = tc.tee_class + std::to_string(index);
  sub.trust_vector = std::move(vector);
  sub.annotated_evidence = std::move(annotated);
  sub.extensions = ext.is_array() ? ext : Json::array();
  return sub;
}

Result<std::string> AttestationService::Attest(const std::vector<EvidenceToVerify>& items,
                                               crypto::HashAlg hash, int64_t now) const {
  if (items.empty()) return InvalidArgument("no evidence to verify");
  std::vector<EarSubmod> submods;
  std::map<std::string, size_t> per_class;
  for (const auto& item : items) {
    ASSIGN_OR_RETURN(const tee::Verifier* verifier, verifiers_->Get(item.tee));
    Bytes report_data;
    if (!item.runtime_data.is_null()) {
      ASSIGN_OR_RETURN(report_data, RuntimeDataDigest(item.runtime_data, hash));
    }
    std::optional<initdata::InitDataDigest> init;
    if (item.init_data) {
      ASSIGN_OR_RETURN(init, initdata::DigestInitData(*item.init_data));
    }
    tee::VerifyRequest req;
    req.evidence = &item.evidence;
    req.expected_report_data = report_data;
    if (init) req.init_data_digest = init->digest;
    ASSIGN_OR_RETURN(std::vector<tee::TeeClaims> claims, verifier->Evaluate(req));
    for (const auto& tc : claims) {
      TRY(CheckInitDataBinding(tc, req.init_data_digest));
      ASSIGN_OR_RETURN(EarSubmod sub,
                       Appraise(tc, item.runtime_data, init, per_class[tc.tee_class]++));
      submods.push_back(std::move(sub));
    }
  }
  return issuer_.Issue(submods, now);
}

}  // namespace cocoon::attestation
