// PolicyEngine backed by cocoon's Rego interpreter (src/policy/rego).
#pragma once

#include <memory>

#include "policy/policy_engine.h"

namespace cocoon::policy {

// Compile / CompileModules: InvalidArgument "<id>:line:col: message" for malformed policies,
// unsafe variables ("var x is unsafe"), unknown functions, conflicting rules or defaults;
// at most 256 modules. Compiled policies are immutable and may be queried concurrently;
// Evaluate tells undefined (nullopt) from null, Query returns null for both.
std::unique_ptr<PolicyEngine> NewRegoEngine();

}  // namespace cocoon::policy
