// Rego rule evaluation (complete, partial set, partial object, defaults, else chains), the
// package and data documents, and `with` overrides. See eval.h.
#include "policy/rego/builtins.h"
#include "policy/rego/eval.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {

Status Evaluator::EvalRuleChain(const Rule& r, const std::function<Status(const Rule&)>& k) {
  for (const Rule* alt = &r; alt; alt = alt->else_rule.get()) {
    bool any = false;
    TRY(EvalBody(alt->body, 0, [&]() -> Status {
      any = true;
      return k(*alt);
    }));
    if (any) break;
  }
  return Ok();
}

Status Evaluator::EmitRule(const RuleSet& rs, const Rule& alt, std::optional<Json>& result,
                           RefHeadLeaves& leaves) {
  if (rs.kind == RuleKind::kPartialSet) {
    return EvalTerm(*alt.key, [&](const Json& v) -> Status {
      result->push_back(v);
      return Ok();
    });
  }
  if (rs.kind == RuleKind::kPartialObject) {
    return EvalTerm(*alt.key, [&](const Json& key) -> Status {
      auto put = [&](const Json& v) -> Status {
        std::string ks = KeyOf(key);
        auto f = result->find(ks);
        if (f != result->end() && !Equal(*f, v)) {
          // OPA: `p["x"] := …` with a constant key is a complete rule at p.x.
          return Fail(alt.pos,
                      alt.key->kind == TermKind::kScalar
                          ? "eval_conflict_error: complete rules must not produce multiple "
                            "outputs: rule " +
                                rs.name
                          : "eval_conflict_error: object keys must be unique: rule " + rs.name);
        }
        (*result)[ks] = v;
        return Ok();
      };
      return alt.value ? EvalTerm(*alt.value, put) : put(Json(true));
    });
  }
  if (rs.kind == RuleKind::kRefHead) {
    // `p[k] := v` next to ref heads of p (`p.q contains r`) is the ref head p[k].
    const std::vector<TermPtr> key_path{alt.key};
    const auto& path = alt.kind == RuleKind::kPartialObject ? key_path : alt.path;
    std::vector<Json> keys;
    return EvalTerms(path, 0, keys, [&](std::vector<Json>& ks) -> Status {
      if (alt.multi) {
        return EvalTerm(*alt.key,
                        [&](const Json& v) { return PutRefHead(alt, *result, ks, v, leaves); });
      }
      auto put = [&](const Json& v) { return PutRefHead(alt, *result, ks, v, leaves); };
      return alt.value ? EvalTerm(*alt.value, put) : put(Json(true));
    });
  }
  auto emit = [&](const Json& v) -> Status {
    if (result && !Equal(*result, v)) {
      return Fail(
          alt.pos,
          "eval_conflict_error: complete rules must not produce multiple outputs: rule " + rs.name);
    }
    result = v;
    return Ok();
  };
  return alt.value ? EvalTerm(*alt.value, emit) : emit(Json(true));
}

// One solution of a ref-head rule: `value` goes at `keys` inside the object `out`; a `contains`
// rule adds it to the set there. Two definitions giving different values at one path conflict,
// and so does a path through, or onto, what another definition built (OPA's object/leaf
// clash): `p[q].r := {"s": 1}` with `p.q.r.s.t := 2`, or `p.a := 1` with `p.a.b := 2`.
Status Evaluator::PutRefHead(const Rule& alt, Json& out, const std::vector<Json>& keys,
                             const Json& value, RefHeadLeaves& leaves) {
  auto conflict = [&]() {
    bool constant = !alt.path.empty() && alt.path.back()->kind == TermKind::kScalar;
    return Fail(alt.pos, constant
                             ? "eval_conflict_error: complete rules must not produce multiple "
                               "outputs: rule " +
                                   alt.name
                             : "eval_conflict_error: object keys must be unique: rule " + alt.name);
  };
  std::vector<std::string> at;
  Json* cur = &out;
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    at.push_back(KeyOf(keys[i]));
    if (leaves.contains(at)) return conflict();
    cur = &(*cur)[at.back()];
    if (cur->is_null()) *cur = Json::object();
    if (!cur->is_object()) return conflict();
  }
  at.push_back(KeyOf(keys.back()));
  auto it = cur->find(at.back());
  auto leaf = leaves.find(at);
  if (it != cur->end() && (leaf == leaves.end() || leaf->second != alt.multi)) return conflict();
  leaves.emplace(at, alt.multi);
  if (alt.multi) {
    if (it == cur->end()) it = cur->emplace(at.back(), EmptySetValue()).first;
    if (!SetContains(*it, value)) *it = SetOp('|', *it, MakeSet(std::vector<Json>{value}));
    return Ok();
  }
  if (it == cur->end()) {
    cur->emplace(at.back(), value);
  } else if (!Equal(*it, value)) {
    return conflict();
  }
  return Ok();
}

Result<std::optional<Json>> Evaluator::ComputeRule(const RuleSet& rs) {
  std::optional<Json> result;
  if (rs.kind == RuleKind::kPartialSet) result = Json::array();
  if (rs.kind == RuleKind::kPartialObject || rs.kind == RuleKind::kRefHead) {
    result = Json::object();
  }
  const ModuleCtx* caller = cur_;
  Env saved;
  saved.swap(env_);
  Status st = Ok();
  RefHeadLeaves leaves;
  for (const RuleDef& d : rs.defs) {
    cur_ = d.mod;
    st = EvalRuleChain(*d.rule, [&](const Rule& alt) { return EmitRule(rs, alt, result, leaves); });
    if (!st) break;
  }
  for (const RuleDef& d : rs.ref_defaults) {  // `default a.b.c := v` where a.b.c is undefined
    if (!st) break;
    cur_ = d.mod;
    Json* at = &*result;
    for (size_t i = 0; at && i + 1 < d.rule->path.size(); ++i) {
      auto it = at->is_object() ? at->find(KeyOf(d.rule->path[i]->value)) : at->end();
      at = at->is_object() && it != at->end() ? &*it : nullptr;
    }
    if (at && at->is_object() && at->contains(KeyOf(d.rule->path.back()->value))) continue;
    std::vector<Json> keys;
    for (auto& p : d.rule->path) keys.push_back(p->value);
    st = EvalTerm(*d.rule->value,
                  [&](const Json& v) { return PutRefHead(*d.rule, *result, keys, v, leaves); });
  }
  if (st && !result && rs.default_def) {
    cur_ = rs.default_def->mod;
    st = EvalTerm(*rs.default_def->rule->value, [&](const Json& v) -> Status {
      result = v;
      return Ok();
    });
  }
  cur_ = caller;
  env_.swap(saved);
  TRY(st);
  if (rs.kind == RuleKind::kPartialSet) {
    *result = MakeSet(std::move(result->get_ref<Json::array_t&>()));
  }
  return result;
}

Result<const Json*> Evaluator::RuleValue(const Term& at, const RuleSet& rs) {
  if (auto o = overrides_.find(&rs); o != overrides_.end()) return o->second;
  if (auto c = cache_.find(&rs); c != cache_.end()) return c->second ? &*c->second : nullptr;
  if (rs.is_function())
    return Fail(at.pos, "rego_type_error: function " + rs.name + " used as a value");
  if (in_progress_.contains(&rs))
    return Fail(at.pos, "rego_recursion_error: rule " + rs.name + " is recursive");
  if (++depth_ > 200) return Fail(at.pos, "eval_internal_error: evaluation too deep");
  in_progress_.insert(&rs);
  auto r = ComputeRule(rs);
  in_progress_.erase(&rs);
  --depth_;
  if (!r) return std::unexpected(r.error());
  auto [ins, _] = cache_.emplace(&rs, std::move(*r));
  return ins->second ? &*ins->second : nullptr;
}

Result<Json> Evaluator::PackageObject(const Term& at, const CompiledPackage& pkg) {
  Json out = Json::object();
  for (auto& [n, rs] : pkg.rules) {
    if (rs.is_function()) {  // `foo.bar(x) := …` makes data.<pkg>.foo an (empty) object
      if (size_t dot = n.find('.'); dot != std::string::npos) {
        Json* cur = &out;
        for (size_t b = 0, e; (e = n.find('.', b)) != std::string::npos; b = e + 1) {
          Json& next = (*cur)[n.substr(b, e - b)];
          if (!next.is_object()) next = Json::object();
          cur = &next;
        }
      }
      continue;
    }
    ASSIGN_OR_RETURN(const Json* v, RuleValue(at, rs));
    if (v) out[n] = *v;
  }
  return out;
}

Result<Json> Evaluator::DataDocument(const Term& at, const std::vector<std::string>& prefix) {
  const Json* base = data_;
  for (size_t i = 0; i < prefix.size() && base; ++i) {
    auto it = base->is_object() ? base->find(prefix[i]) : base->end();
    base = base->is_object() && it != base->end() ? &*it : nullptr;
  }
  Json doc = base && base->is_object() ? *base : Json::object();
  for (auto it = p_.packages.lower_bound(prefix); it != p_.packages.end(); ++it) {
    const auto& path = it->first;
    if (path.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), path.begin())) {
      break;
    }
    ASSIGN_OR_RETURN(Json obj, PackageObject(at, it->second));
    Json* cur = &doc;
    for (size_t i = prefix.size(); i < path.size(); ++i) {
      if (!cur->is_object()) *cur = Json::object();
      cur = &(*cur)[path[i]];
    }
    if (!cur->is_object()) *cur = Json::object();
    for (auto& [key, v] : obj.items()) {
      if (!cur->contains(key)) (*cur)[key] = v;  // OPA: the base document wins a conflict
    }
  }
  return doc;
}

// One `with target as v`: a rule of some package is overridden; otherwise the value is
// written into a copy of input or data at the target path.
Status Evaluator::ApplyWithTarget(const With& w, const Json& v, Json& new_input, Json& new_data) {
  std::vector<std::string> path;
  if (w.target->kind == TermKind::kVar) path = {w.target->name};
  if (w.target->kind == TermKind::kRef && w.target->args[0]->kind == TermKind::kVar) {
    path.push_back(w.target->args[0]->name);
    for (size_t i = 1; i < w.target->args.size(); ++i) {
      const Term& p = *w.target->args[i];
      if (p.kind != TermKind::kScalar || !p.value.is_string()) {
        return Fail(p.pos, "rego_compile_error: with target must be a constant path");
      }
      path.push_back(p.value.get<std::string>());
    }
  }
  if (path.empty() || (path[0] != "input" && path[0] != "data")) {
    return Fail(w.target->pos, "rego_compile_error: with target must be input, data or a function");
  }
  if (path[0] == "data" && path.size() >= 2) {
    std::vector<std::string> pkg_path(path.begin() + 1, path.end() - 1);
    if (const CompiledPackage* pkg = p_.FindPackage(pkg_path)) {
      if (auto r = pkg->rules.find(path.back()); r != pkg->rules.end()) {
        with_values_.push_back(v);
        overrides_[&r->second] = &with_values_.back();
        return Ok();
      }
    }
  }
  bool is_input = path[0] == "input";
  Json& root = is_input ? new_input : new_data;
  if (root.is_null()) {
    const Json* src = is_input ? input_ : data_;
    root = src ? *src : Json::object();
  }
  Json* cur = &root;
  for (size_t i = 1; i < path.size(); ++i) {
    if (!cur->is_object()) *cur = Json::object();
    cur = &(*cur)[path[i]];
  }
  *cur = v;
  (is_input ? input_ : data_) = &root;
  return Ok();
}

std::optional<CallTarget> Evaluator::FunctionNamed(const Term& t) const {
  std::vector<std::string> segs;
  const Term* head = t.kind == TermKind::kRef ? t.args[0].get() : &t;
  if (head->kind != TermKind::kVar || Lookup(head->name)) return std::nullopt;
  segs.push_back(head->name);
  for (size_t i = 1; t.kind == TermKind::kRef && i < t.args.size(); ++i) {
    const Term& s = *t.args[i];
    if (s.kind != TermKind::kScalar || !s.value.is_string()) return std::nullopt;
    segs.push_back(s.value.get<std::string>());
  }
  const CompiledPackage* pkg = cur_->pkg;
  if (segs[0] == "data" && segs.size() >= 3) {
    pkg = p_.FindPackage(std::vector<std::string>(segs.begin() + 1, segs.end() - 1));
  } else if (segs.size() != 1) {
    pkg = nullptr;
  }
  if (pkg) {
    auto r = pkg->rules.find(segs.back());
    if (r != pkg->rules.end() && r->second.is_function()) return CallTarget{&r->second, nullptr};
  }
  if (segs[0] == "data" || segs[0] == "input") return std::nullopt;
  std::string name = segs[0];
  for (size_t i = 1; i < segs.size(); ++i) name += "." + segs[i];
  if (const Builtin* b = FindBuiltin(name)) return CallTarget{nullptr, b};
  return std::nullopt;
}

Status Evaluator::ApplyFunctionWith(const With& w, const CallTarget& target) {
  const void* key = target.user ? static_cast<const void*>(target.user) : target.builtin;
  if (auto repl = FunctionNamed(*w.value)) {
    fn_overrides_[key] = FnOverride{*repl, nullptr};
    return Ok();
  }
  std::optional<Json> v;
  TRY(EvalTerm(*w.value, [&](const Json& x) -> Status {
    if (!v) v = x;
    return Ok();
  }));
  if (!v) return Fail(w.value->pos, "rego_compile_error: with value for a function is undefined");
  with_values_.push_back(*v);
  fn_overrides_[key] = FnOverride{CallTarget{}, &with_values_.back()};
  return Ok();
}

// `expr with target as value`: solutions are collected under the override, then the
// continuation runs with the original input/data restored.
Status Evaluator::EvalWith(const Expr& e, const Cont& k) {
  Json new_input, new_data;
  const Json* old_input = input_;
  const Json* old_data = data_;
  auto old_overrides = overrides_;
  auto old_fn_overrides = fn_overrides_;
  for (const With& w : e.withs) {
    if (auto fn = FunctionNamed(*w.target)) {
      TRY(ApplyFunctionWith(w, *fn));
      continue;
    }
    std::optional<Json> v;
    TRY(EvalTerm(*w.value, [&](const Json& x) -> Status {
      if (!v) v = x;
      return Ok();
    }));
    if (!v) return Ok();
    TRY(ApplyWithTarget(w, *v, new_input, new_data));
  }
  auto old_cache = std::move(cache_);
  cache_.clear();
  size_t mark = env_.size();
  std::vector<std::vector<Binding>> solutions;
  Status st = EvalExprNoWith(e, [&]() -> Status {
    solutions.emplace_back(env_.begin() + mark, env_.end());
    return Ok();
  });
  cache_ = std::move(old_cache);
  input_ = old_input;
  data_ = old_data;
  overrides_ = std::move(old_overrides);
  fn_overrides_ = std::move(old_fn_overrides);
  TRY(st);
  for (auto& sol : solutions) {
    env_.insert(env_.end(), sol.begin(), sol.end());
    Status s = k();
    env_.resize(mark);
    TRY(s);
  }
  return Ok();
}

}  // namespace cocoon::policy::rego
