// Test support (not in the production library): built-in policies with the effect of Trustee's
// shipped Rego policies (testdata/policy): resource policies default / allow_all / deny_all /
// affirming and the default EAR (attestation) policy for the TEEs cocoon verifies.
#pragma once

#include <memory>
#include <string_view>

#include "policy/policy_engine.h"

namespace cocoon::policy {

// name: "default" | "allow_all" | "deny_all" | "affirming"; NotFound otherwise.
// Answers "data.policy.allow".
Result<std::shared_ptr<const Policy>> BuiltinResourcePolicy(std::string_view name);

// Trustee's ear_default_policy_cpu.rego for the TEEs it knows; answers
// "data.policy.trust_claims" and "data.policy.extensions".
std::shared_ptr<const Policy> BuiltinEarPolicy();

// An engine that only knows the built-ins: Compile() answers Unimplemented with a message
// saying Rego is not available yet and naming the built-in choices.
std::unique_ptr<PolicyEngine> NewBuiltinEngine();

}  // namespace cocoon::policy
