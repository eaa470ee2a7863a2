// Compile-time safety analysis (OPA's "var x is unsafe"): every variable of a rule body, head,
// comprehension, `every`, `not` and function arguments must be bound by a positive expression.
// Body expressions are reordered so that the ones binding a variable run before its uses.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "base/error.h"
#include "policy/rego/compile.h"

namespace cocoon::policy::rego {

// A copy of `r` (with its else chain) whose bodies, comprehension bodies and `every` bodies are
// reordered for safety. InvalidArgument "<file>:line:col: var x is unsafe" when no order binds
// x before its use. `ctx` names the globals (input, data, imports, rules of the package).
// Wildcards `_` under `not` are accepted (regorus does; OPA rejects them).
Result<std::shared_ptr<const Rule>> MakeRuleSafe(const Rule& r, const ModuleCtx& ctx);

// Splits `a = b` (`[1, x] = [y, 2]`) into the element pairs to unify when both are arrays of one
// length or objects with the same constant keys, recursively; false when there is nothing to
// split. Shared by the safety analysis and the evaluator, so both see the same pairs.
bool SplitUnification(const Term& a, const Term& b,
                      std::vector<std::pair<const Term*, const Term*>>& out);

}  // namespace cocoon::policy::rego
