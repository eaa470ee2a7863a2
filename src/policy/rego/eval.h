// Rego evaluator: evaluates a query against a compiled policy, `input` and caller `data`.
// One Evaluator per query (it owns the per-query rule cache); the policy is shared read-only,
// so concurrent queries on one compiled policy are safe.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "policy/policy_engine.h"
#include "policy/rego/ast.h"
#include "policy/rego/compile.h"

namespace cocoon::policy::rego {

// Calls f(key, value) for each array element, object entry or set member (key = member).
Status ForEachEntry(const Json& coll, const std::function<Status(const Json&, const Json&)>& f);

class Evaluator {
 public:
  // `input` nullptr: input is undefined (refs to it fail).
  Evaluator(const CompiledPolicy& p, const Json* input, const Json& data,
            const ReferenceValueLookup& rv);

  // The first value of `query`, or nullopt when undefined.
  Result<std::optional<Json>> Query(const Term& query);

  // Every solution of a compiled query body: the value of its expression when the body is one
  // term (nullopt otherwise) and the bindings of the query's variables (plain JSON).
  using SolutionFn = std::function<Status(const std::optional<Json>& value, Json bindings)>;
  Status Solutions(const CompiledQuery& q, const SolutionFn& emit);

 private:
  using Cont = std::function<Status()>;
  using ValCont = std::function<Status(const Json&)>;
  struct Binding {
    std::string name;
    Json value;
    bool bound;
  };

  Status EvalBody(const Body& body, size_t i, const Cont& k);
  Status EvalExpr(const Expr& e, const Cont& k);
  Status EvalExprNoWith(const Expr& e, const Cont& k);
  Status EvalWith(const Expr& e, const Cont& k);
  Status EvalIn(const Expr& e, const Cont& k);
  Status EvalEvery(const Expr& e, const Cont& k);
  Status EvalTerm(const Term& t, const ValCont& k);
  Status EvalVar(const Term& t, const ValCont& k);
  Status EvalTerms(const std::vector<TermPtr>& ts, size_t i, std::vector<Json>& out,
                   const std::function<Status(std::vector<Json>&)>& k);
  Status EvalTermsN(const std::vector<TermPtr>& ts, size_t i, size_t n, std::vector<Json>& out,
                    const std::function<Status(std::vector<Json>&)>& k);
  Status EvalCollection(const Term& t, const ValCont& k);
  Status EvalComprehension(const Term& t, const ValCont& k);
  Status EvalBinary(const Term& t, const ValCont& k);
  Status EvalMember(const Term& t, const ValCont& k);
  Status EvalRef(const Term& t, const ValCont& k);
  Status EvalDataRef(const Term& t, const ValCont& k);
  Status Walk(const Json& cur, const Term& ref, size_t i, const ValCont& k);
  Status EvalCall(const Term& t, const ValCont& k);
  Status CallWith(const Term& t, const CallTarget& ct, size_t nargs, const ValCont& k,
                  bool suspend_mocks = false);
  Status CallUser(const Term& t, const RuleSet& fn, const std::vector<Json>& args,
                  const ValCont& k);
  Status Unify(const Term& pattern, const Json& v, bool declare, const Cont& k);
  Status UnifyTerms(const Term& lhs, const Term& rhs, bool declare, const Cont& k);
  // Unifies term pairs, each when one of its sides is known (`[1, x] = [y, 2]`).
  Status UnifyPairs(std::vector<std::pair<const Term*, const Term*>>& pairs, const Cont& k);

  Result<const Json*> RuleValue(const Term& at, const RuleSet& rs);
  Result<std::optional<Json>> ComputeRule(const RuleSet& rs);
  // The paths (stored keys) where ref-head rules put a value, and whether it is a `contains`
  // set: another rule may neither write below such a path nor put a value where rules have
  // built an object.
  using RefHeadLeaves = std::map<std::vector<std::string>, bool>;
  Status EmitRule(const RuleSet& rs, const Rule& alt, std::optional<Json>& result,
                  RefHeadLeaves& leaves);
  Status PutRefHead(const Rule& alt, Json& out, const std::vector<Json>& keys, const Json& value,
                    RefHeadLeaves& leaves);
  Status EvalRuleChain(const Rule& r, const std::function<Status(const Rule&)>& k);
  Result<Json> PackageObject(const Term& at, const CompiledPackage& pkg);
  // `data.<prefix>`: caller data under prefix merged with the packages below it.
  Result<Json> DataDocument(const Term& at, const std::vector<std::string>& prefix);
  const RuleSet* LocalRule(const std::string& name) const;
  // The function or builtin a with target/value names (`f`, `data.p.f`, `count`, `time.now_ns`).
  std::optional<CallTarget> FunctionNamed(const Term& t) const;
  Status ApplyFunctionWith(const With& w, const CallTarget& target);
  Status ApplyWithTarget(const With& w, const Json& v, Json& new_input, Json& new_data);

  const Binding* Lookup(const std::string& name) const;
  bool IsUnbound(const Term& t) const;
  bool HasUnbound(const Term& t) const;
  Status Bind(const std::string& name, const Json& v, const Cont& k);
  std::unexpected<Error> Fail(const Pos& p, const std::string& msg) const;

  const CompiledPolicy& p_;
  const std::unordered_map<const Term*, CallTarget>* query_calls_ = nullptr;  // Solutions()
  const ModuleCtx* cur_;  // module of the rule being evaluated (imports, package, file)
  const Json* input_;
  const Json* data_;
  const ReferenceValueLookup& rv_;
  using Env = std::deque<Binding>;  // deque: references stay valid while bindings are pushed
  Env env_;
  std::map<const RuleSet*, std::optional<Json>> cache_;
  // `with data.<pkg>.<rule> as v`: values live in the append-only with_values_ so references
  // taken under an override stay valid after it is lifted.
  std::map<const RuleSet*, const Json*> overrides_;
  // `with f as g` / `with count as 3`: a function or builtin (keyed by its RuleSet or Builtin)
  // replaced by another function or by a value while the with expression runs.
  struct FnOverride {
    CallTarget fn;
    const Json* value = nullptr;
  };
  std::map<const void*, FnOverride> fn_overrides_;
  std::deque<Json> with_values_;
  std::optional<Json> now_;  // time.now_ns(): fixed for the evaluation
  std::set<const RuleSet*> in_progress_;
  int depth_ = 0;
};

}  // namespace cocoon::policy::rego
