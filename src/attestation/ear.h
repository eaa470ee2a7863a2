// EAR attestation-results tokens (draft-fv-rats-ear) as Trustee's AS issues them: ES256 JWS
// with the signer JWK (and x5c chain) in the header, one submod per verified device.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

namespace cocoon::attestation {

// AR4SI trust-vector tier of one claim value: "none" | "affirming" | "warning" |
// "contraindicated" (the AR4SI trust vector of the IETF RATS EAR draft).
std::string_view TierOf(int value);
// Worst tier over a trust vector object; "none" when empty.
std::string EarStatus(const Json& trust_vector);
// The eight AR4SI claim names, in the order Trustee serialises the vector.
const std::vector<std::string>& TrustClaimNames();

struct EarSubmod {
  std::string name;                 // "cpu0", "gpu0", …
  Json trust_vector;                // claim name -> int
  Json annotated_evidence;          // "ear.veraison.annotated-evidence"
  Json extensions = Json::array();  // [{"name","key","value"}] from the policy
  std::string policy_id = "default";
};

struct EarIssuerOptions {
  std::optional<crypto::PrivateKey> key;   // P-256; nullopt = ephemeral key generated at start
  std::vector<crypto::Certificate> chain;  // -> header jwk.x5c (leaf first)
  std::string cert_url;                    // -> header jwk.x5u
  int duration_min = 5;
  std::string issuer_name = "CoCo-Attestation-Service";
  std::string developer_name = "https://confidentialcontainers.org";
  std::string build_name = "cocoon-kbs 0.1.0";
  std::string profile_name = "tag:github.com,2024:confidential-containers/Trustee";
};

class EarIssuer {
 public:
  // InvalidArgument if the key is not P-256 or the leaf certificate does not match it.
  static Result<EarIssuer> Create(EarIssuerOptions options);

  // Signs an EAR for `submods` issued at `now` (unix seconds).
  Result<std::string> Issue(const std::vector<EarSubmod>& submods, int64_t now) const;
  // {"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","x","y"[,"x5c"]}]}
  Json Jwks() const;
  const crypto::PublicKey& public_key() const { return public_key_; }

 private:
  EarIssuer(EarIssuerOptions o, crypto::PrivateKey key);
  EarIssuerOptions options_;
  crypto::PrivateKey key_;
  crypto::PublicKey public_key_;
  OrderedJson header_jwk_;
};

}  // namespace cocoon::attestation
