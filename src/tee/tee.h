// TEE kinds as named on the KBS wire (kbs-types `Tee`, lower-case), and the two extension
// points every TEE provides: a Verifier (relying party) and an Attester (guest).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"

namespace cocoon::tee {

// True for every TEE name kbs-types 0.18 defines ("snp", "tdx", "sample", …).
bool IsKnownTee(std::string_view name);

// What a verifier found: the claims and the class of the device ("cpu", "gpu", …).
struct TeeClaims {
  std::string tee;
  std::string tee_class = "cpu";
  Json claims;  // verifier-specific; conventionally includes "report_data" and "init_data"
};

struct VerifyRequest {
  const Json* evidence = nullptr;  // the TEE-specific evidence JSON
  ByteSpan expected_report_data;   // hash of the runtime data (empty = none bound)
  std::optional<Bytes> init_data_digest;
};

class Verifier {
 public:
  virtual ~Verifier() = default;
  // Parses, verifies and returns claims. InvalidArgument for malformed evidence,
  // Unauthenticated when the evidence does not verify or is not bound to the report data.
  virtual Result<std::vector<TeeClaims>> Evaluate(const VerifyRequest& request) const = 0;
};

class Attester {
 public:
  virtual ~Attester() = default;
  virtual std::string_view tee() const = 0;
  // Evidence binding `report_data` (the runtime-data hash).
  virtual Result<Json> GetEvidence(ByteSpan report_data) = 0;
};

// Verifiers by TEE name. Built-ins are registered explicitly by mains/tests. A TEE the
// operator did not enable, or whose verifier lacks its roots of trust, is registered as refused
// with the reason, so /auth and the attestation service both name what to configure.
class VerifierRegistry {
 public:
  void Register(std::string tee, std::unique_ptr<Verifier> verifier);
  // Replaces any verifier for `tee`: Get answers PermissionDenied with `reason`.
  void Refuse(std::string tee, std::string reason);
  // The verifier; PermissionDenied with the reason for a refused TEE; NotFound naming the TEE
  // if nothing is registered.
  Result<const Verifier*> Get(std::string_view tee) const;
  // TEEs with a verifier (refused ones excluded).
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, std::unique_ptr<Verifier>, std::less<>> verifiers_;
  std::map<std::string, std::string, std::less<>> refused_;
};

}  // namespace cocoon::tee
