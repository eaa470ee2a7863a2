// PolicyEngine backed by cocoon's Rego interpreter (src/policy/rego).
#pragma once

#include <memory>

#include "policy/policy_engine.h"

namespace cocoon::policy {

// Compile: InvalidArgument "<id>:line:col: message" for malformed policies. Compiled policies
// are immutable and may be queried concurrently.
std::unique_ptr<PolicyEngine> NewRegoEngine();

}  // namespace cocoon::policy
