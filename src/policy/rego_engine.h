// PolicyEngine backed by cocoon's Rego interpreter (src/policy/rego).
#pragma once

#include <memory>

#include "policy/policy_engine.h"

namespace cocoon::policy {

// Compile / CompileModules: InvalidArgument "<id>:line:col: message" for malformed policies,
// unsafe variables ("var x is unsafe"), unknown functions, conflicting rules or defaults;
// at most 256 modules. Compiled policies are immutable and may be queried concurrently;
// Evaluate tells undefined (nullopt) from null, Query returns null for both.
//
// `strict`: a builtin called with arguments it cannot take (wrong type, malformed input) is an
// error "eval_builtin_error: <name>: …" instead of making the expression undefined (OPA's
// --strict-builtin-errors). Off by default, as in OPA.
struct RegoOptions {
  bool strict = false;
};
std::unique_ptr<PolicyEngine> NewRegoEngine(RegoOptions options = {});

}  // namespace cocoon::policy
