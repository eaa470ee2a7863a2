// Compiled Rego policy: N parsed modules grouped into packages and rule sets, every body
// reordered for safety (safety.h), every call resolved to a user function or builtin.
// Built once by CompilePolicy, then shared read-only by concurrent evaluations.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "policy/rego/ast.h"
#include "policy/rego/builtins.h"

namespace cocoon::policy::rego {

struct CompiledPackage;

// What a rule body sees besides its locals: its file (for errors), package and imports.
struct CompiledPolicy;
struct ModuleCtx {
  std::string file;
  const CompiledPackage* pkg = nullptr;
  const CompiledPolicy* policy = nullptr;  // while compiling: resolves other packages' calls
  std::map<std::string, TermPtr> imports;  // alias -> ref term
  std::map<std::string, std::vector<std::string>> import_paths;  // alias -> path
};

struct RuleDef {
  const Rule* rule = nullptr;
  const ModuleCtx* mod = nullptr;
};

// Every definition of one name in one package (possibly spread over several modules).
struct RuleSet {
  std::string name;
  const CompiledPackage* pkg = nullptr;
  RuleKind kind = RuleKind::kComplete;
  std::vector<RuleDef> defs;  // non-default definitions
  std::optional<RuleDef> default_def;
  std::vector<RuleDef> ref_defaults;  // `default a.b.c := v`: for constant paths under a
  bool is_function() const { return kind == RuleKind::kFunction; }
};

struct CompiledPackage {
  std::vector<std::string> path;  // {"a", "b"} for `package a.b`
  std::map<std::string, RuleSet> rules;
};

// Number of parameters of a user function.
size_t FunctionArity(const RuleSet& fn);

// The rule set a call name in user form names (`f`, `data.pkg.f`, `alias.f` with an import of
// data.pkg), or nullptr (a builtin, or nothing). Not necessarily a function.
const RuleSet* FindUserFunction(const CompiledPolicy& cp, const ModuleCtx& m,
                                const std::string& name);

// Resolution of one call term, fixed at compile time.
struct CallTarget {
  const RuleSet* user = nullptr;
  const Builtin* builtin = nullptr;  // set when not user and not query_reference_value
  bool output_arg = false;           // `count(xs, n)`: the last argument receives the result
};

struct CompiledPolicy {
  std::deque<ModuleCtx> modules;  // deque: RuleDef and CallTarget keep pointers
  std::map<std::vector<std::string>, CompiledPackage> packages;
  std::vector<std::shared_ptr<const Rule>> owned;  // safety-reordered rules
  std::unordered_map<const Term*, CallTarget> calls;
  bool strict = false;  // builtin argument errors are evaluation errors (RegoOptions)

  const CompiledPackage* FindPackage(const std::vector<std::string>& path) const;
  // True when some package's path starts with `prefix` (or equals it).
  bool HasPackageUnder(const std::vector<std::string>& prefix) const;
};

// A query body compiled against a policy: reordered for safety, calls resolved. Owned by one
// evaluation; the policy must outlive it.
struct CompiledQuery {
  ModuleCtx ctx;                     // file "query", no package, no imports
  std::shared_ptr<const Rule> rule;  // the body, reordered for safety
  std::unordered_map<const Term*, CallTarget> calls;
  std::vector<std::string> vars;  // the query's own variables, in order of appearance
};

// rego_unsafe_var_error / rego_type_error as for modules, positions in "query".
Result<std::unique_ptr<CompiledQuery>> CompileQuery(const CompiledPolicy& cp, Body body);

// Groups rules by package and name, checks safety, resolves calls. InvalidArgument
// "<file>:line:col: message" for conflicting rule kinds, multiple defaults, unsafe vars,
// unknown functions.
Result<CompiledPolicy> CompilePolicy(std::vector<Module> modules);

}  // namespace cocoon::policy::rego
