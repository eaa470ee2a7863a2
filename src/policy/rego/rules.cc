// Rego rule evaluation (complete, partial set, partial object, defaults, else chains), `with`
// overrides and module compilation. See eval.h.
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

Result<std::optional<Json>> Evaluator::ComputeRule(const std::string& name) {
  std::optional<Json> result;
  auto it = m_.rules.find(name);
  RuleKind kind = RuleKind::kComplete;
  if (it != m_.rules.end() && !it->second.empty()) kind = it->second[0]->kind;
  if (kind == RuleKind::kPartialSet) result = Json::array();
  if (kind == RuleKind::kPartialObject) result = Json::object();
  if (it != m_.rules.end()) {
    for (const Rule* r : it->second) {
      Env saved;
      saved.swap(env_);
      Status st = EvalRuleChain(*r, [&](const Rule& alt) -> Status {
        if (kind == RuleKind::kPartialSet) {
          return EvalTerm(*alt.key, [&](const Json& v) -> Status {
            result->push_back(v);
            return Ok();
          });
        }
        if (kind == RuleKind::kPartialObject) {
          return EvalTerm(*alt.key, [&](const Json& key) -> Status {
            return EvalTerm(*alt.value, [&](const Json& v) -> Status {
              std::string ks = key.is_string() ? key.get<std::string>() : base::DumpJson(key);
              auto f = result->find(ks);
              if (f != result->end() && !Equal(*f, v)) {
                return Fail(alt.pos, "object keys must be unique: rule " + name);
              }
              (*result)[ks] = v;
              return Ok();
            });
          });
        }
        auto emit = [&](const Json& v) -> Status {
          if (result && !Equal(*result, v)) {
            return Fail(alt.pos, "complete rules must not produce multiple outputs: rule " + name);
          }
          result = v;
          return Ok();
        };
        return alt.value ? EvalTerm(*alt.value, emit) : emit(Json(true));
      });
      env_.swap(saved);
      TRY(st);
    }
  }
  if (kind == RuleKind::kPartialSet) Normalize(*result);
  if (!result) {
    if (auto d = m_.defaults.find(name); d != m_.defaults.end()) {
      Env saved;
      saved.swap(env_);
      Status st = EvalTerm(*d->second->value, [&](const Json& v) -> Status {
        result = v;
        return Ok();
      });
      env_.swap(saved);
      TRY(st);
    }
  }
  return result;
}

Result<const Json*> Evaluator::RuleValue(const Term& at, const std::string& name) {
  if (auto o = overrides_.find(name); o != overrides_.end()) return o->second;
  if (auto c = cache_.find(name); c != cache_.end()) return c->second ? &*c->second : nullptr;
  auto rit = m_.rules.find(name);
  if (rit != m_.rules.end() && !rit->second.empty() &&
      rit->second[0]->kind == RuleKind::kFunction) {
    return Fail(at.pos, "function " + name + " used as a value");
  }
  if (in_progress_.contains(name)) return Fail(at.pos, "recursion in rule " + name);
  if (++depth_ > 200) return Fail(at.pos, "evaluation too deep");
  in_progress_.insert(name);
  auto r = ComputeRule(name);
  in_progress_.erase(name);
  --depth_;
  if (!r) return std::unexpected(r.error());
  auto [ins, _] = cache_.emplace(name, std::move(*r));
  return ins->second ? &*ins->second : nullptr;
}

Result<Json> Evaluator::PackageObject(const Term& at) {
  Json out = Json::object();
  std::set<std::string> names;
  for (auto& [n, defs] : m_.rules) {
    if (defs.empty() || defs[0]->kind != RuleKind::kFunction) names.insert(n);
  }
  for (auto& [n, d] : m_.defaults) names.insert(n);
  for (auto& n : names) {
    ASSIGN_OR_RETURN(const Json* v, RuleValue(at, n));
    if (v) out[n] = *v;
  }
  return out;
}

// `expr with target as value`: solutions are collected under the override, then the
// continuation runs with the original input/data restored.
Status Evaluator::EvalWith(const Expr& e, const Cont& k) {
  Json new_input, new_data;
  const Json* old_input = input_;
  const Json* old_data = data_;
  auto old_overrides = overrides_;
  for (const With& w : e.withs) {
    std::optional<Json> v;
    TRY(EvalTerm(*w.value, [&](const Json& x) -> Status {
      if (!v) v = x;
      return Ok();
    }));
    if (!v) return Ok();
    std::vector<std::string> path;
    if (w.target->kind == TermKind::kVar) path = {w.target->name};
    if (w.target->kind == TermKind::kRef && w.target->args[0]->kind == TermKind::kVar) {
      path.push_back(w.target->args[0]->name);
      for (size_t i = 1; i < w.target->args.size(); ++i) {
        const Term& p = *w.target->args[i];
        if (p.kind != TermKind::kScalar || !p.value.is_string()) {
          return Fail(p.pos, "with target must be a constant path");
        }
        path.push_back(p.value.get<std::string>());
      }
    }
    if (path.empty() || (path[0] != "input" && path[0] != "data")) {
      return Fail(w.target->pos, "with target must be input or data");
    }
    const auto& pkg = m_.module.package;
    bool rule_target = path[0] == "data" && path.size() == pkg.size() + 2 &&
                       std::equal(pkg.begin(), pkg.end(), path.begin() + 1);
    if (rule_target) {
      with_values_.push_back(*v);
      overrides_[path.back()] = &with_values_.back();
      continue;
    }
    Json& root = path[0] == "input" ? new_input : new_data;
    if (root.is_null()) root = path[0] == "input" ? *input_ : *data_;
    Json* cur = &root;
    for (size_t i = 1; i < path.size(); ++i) {
      if (!cur->is_object()) *cur = Json::object();
      cur = &(*cur)[path[i]];
    }
    *cur = *v;
    if (path[0] == "input") input_ = &new_input;
    if (path[0] == "data") data_ = &new_data;
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
  TRY(st);
  for (auto& sol : solutions) {
    env_.insert(env_.end(), sol.begin(), sol.end());
    Status s = k();
    env_.resize(mark);
    TRY(s);
  }
  return Ok();
}

namespace {

Status CheckCalls(const CompiledModule& cm, const Term& t);

Status CheckBody(const CompiledModule& cm, const Body& body) {
  for (auto& e : body) {
    if (e->term) TRY(CheckCalls(cm, *e->term));
    if (e->sub) TRY(CheckBody(cm, Body{e->sub}));
    for (auto& t : e->terms) TRY(CheckCalls(cm, *t));
    TRY(CheckBody(cm, e->body));
    for (auto& w : e->withs) TRY(CheckCalls(cm, *w.value));
  }
  return Ok();
}

Status CheckCalls(const CompiledModule& cm, const Term& t) {
  if (t.kind == TermKind::kCall) {
    std::string name = t.name;
    std::string prefix = "data.";
    for (auto& p : cm.module.package) prefix += p + ".";
    if (name.starts_with(prefix)) name = name.substr(prefix.size());
    auto it = cm.rules.find(name);
    bool user = it != cm.rules.end() && it->second[0]->kind == RuleKind::kFunction;
    if (!user && name != "query_reference_value" && !FindBuiltin(t.name)) {
      return InvalidArgument(cm.module.file + ":" + std::to_string(t.pos.line) + ":" +
                             std::to_string(t.pos.col) + ": unknown function " + t.name);
    }
  }
  for (auto& a : t.args) {
    if (a) TRY(CheckCalls(cm, *a));
  }
  return CheckBody(cm, t.body);
}

}  // namespace

Result<CompiledModule> CompileModule(Module m) {
  CompiledModule cm;
  cm.module = std::move(m);
  for (auto& imp : cm.module.imports) {
    if (imp.path.empty() || (imp.path[0] != "data" && imp.path[0] != "input")) continue;
    auto head = std::make_shared<Term>();
    head->kind = TermKind::kVar;
    head->pos = imp.pos;
    head->name = imp.path[0];
    if (imp.path.size() == 1) {
      cm.imports[imp.alias] = head;
      continue;
    }
    auto ref = std::make_shared<Term>();
    ref->kind = TermKind::kRef;
    ref->pos = imp.pos;
    ref->args.push_back(head);
    for (size_t i = 1; i < imp.path.size(); ++i) {
      auto s = std::make_shared<Term>();
      s->pos = imp.pos;
      s->value = imp.path[i];
      ref->args.push_back(s);
    }
    cm.imports[imp.alias] = ref;
  }
  for (auto& r : cm.module.rules) {
    auto fail = [&](const std::string& msg) {
      return InvalidArgument(cm.module.file + ":" + std::to_string(r->pos.line) + ":" +
                             std::to_string(r->pos.col) + ": " + msg);
    };
    if (r->is_default) {
      if (cm.defaults.contains(r->name)) return fail("multiple default rules " + r->name);
      cm.defaults[r->name] = r.get();
      continue;
    }
    auto& defs = cm.rules[r->name];
    if (!defs.empty() && defs[0]->kind != r->kind) {
      return fail("conflicting rule kinds for " + r->name);
    }
    defs.push_back(r.get());
  }
  for (auto& r : cm.module.rules) {
    for (const Rule* alt = r.get(); alt; alt = alt->else_rule.get()) {
      TRY(CheckBody(cm, alt->body));
      if (alt->value) TRY(CheckCalls(cm, *alt->value));
      if (alt->key) TRY(CheckCalls(cm, *alt->key));
    }
  }
  return cm;
}

}  // namespace cocoon::policy::rego
