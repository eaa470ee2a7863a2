// cocoon's default policies: Rego sources compiled into the binary (src/policy/defaults/*.rego),
// with the same decisions as Trustee's shipped defaults, run by the Rego engine.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "policy/policy_engine.h"

namespace cocoon::policy {

// Source of an embedded policy by file stem ("resource_default", "ear_cpu", …); empty if none.
std::string_view DefaultPolicySource(std::string_view name);
std::vector<std::string_view> DefaultPolicyNames();

// KBS resource policy: "default" | "allow_all" | "deny_all" | "affirming"; NotFound otherwise.
// Answers "data.policy.allow". Compiled once per process.
Result<std::shared_ptr<const Policy>> DefaultResourcePolicy(std::string_view name);

// The attestation service's "default_cpu" EAR policy: answers "data.policy.trust_claims" and
// "data.policy.extensions". Compiled once per process.
Result<std::shared_ptr<const Policy>> DefaultEarPolicy();

}  // namespace cocoon::policy
