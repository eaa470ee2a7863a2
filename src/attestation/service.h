// The built-in Attestation Service: verify evidence with the TEE's verifier, check the
// runtime-data and init-data bindings, appraise the claims with the EAR policy, issue an EAR.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "attestation/ear.h"
#include "base/error.h"
#include "base/json.h"
#include "crypto/digest.h"
#include "initdata/initdata.h"
#include "policy/policy_engine.h"
#include "tee/tee.h"

namespace cocoon::attestation {

struct EvidenceToVerify {
  std::string tee;
  Json evidence;
  Json runtime_data;  // structured runtime data (JCS + hash bind it); null = none
  std::optional<initdata::InitData> init_data;
};

class AttestationService {
 public:
  AttestationService(const tee::VerifierRegistry* verifiers, EarIssuer issuer,
                     policy::ReferenceValueLookup reference_values);

  // Verifies every item and returns one signed EAR. Unauthenticated if any verifier rejects
  // its evidence, NotFound for a TEE without verifier, InvalidArgument for malformed input.
  Result<std::string> Attest(const std::vector<EvidenceToVerify>& items, crypto::HashAlg hash,
                             int64_t now) const;

  // Replaces the appraisal policy `id` ("default_cpu", "default_gpu", …).
  void SetPolicy(const std::string& id, std::shared_ptr<const policy::Policy> policy);
  const EarIssuer& issuer() const { return issuer_; }

 private:
  Result<EarSubmod> Appraise(const tee::TeeClaims& tc, const Json& runtime_data,
                             const std::optional<initdata::InitDataDigest>& init,
                             size_t index) const;
  Result<std::shared_ptr<const policy::Policy>> PolicyFor(const std::string& tee_class) const;

  const tee::VerifierRegistry* verifiers_;
  EarIssuer issuer_;
  policy::ReferenceValueLookup reference_values_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const policy::Policy>> policies_;
};

// SHA-x of JCS(runtime_data): the report-data every attester binds.
Result<Bytes> RuntimeDataDigest(const Json& runtime_data, crypto::HashAlg hash);

}  // namespace cocoon::attestation
