// Rego evaluator: variables, references into input/data/rules, rule and function evaluation,
// `with` overrides, and module compilation (rule grouping). See eval.h.
#include "policy/rego/builtins.h"
#include "policy/rego/eval.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {

Status Evaluator::EvalVar(const Term& t, const ValCont& k) {
  if (const Binding* b = Lookup(t.name)) {
    if (!b->bound) return Fail(t.pos, "var " + t.name + " is unsafe");
    return k(b->value);
  }
  if (t.name == "input") return k(*input_);
  if (t.name == "data") {
    Json d = data_->is_object() ? *data_ : Json::object();
    ASSIGN_OR_RETURN(Json pkg, PackageObject(t));
    Json* cur = &d;
    for (size_t i = 0; i + 1 < m_.module.package.size(); ++i) cur = &(*cur)[m_.module.package[i]];
    (*cur)[m_.module.package.back()] = std::move(pkg);
    return k(d);
  }
  if (auto it = m_.imports.find(t.name); it != m_.imports.end()) return EvalTerm(*it->second, k);
  if (m_.rules.contains(t.name) || m_.defaults.contains(t.name)) {
    ASSIGN_OR_RETURN(const Json* v, RuleValue(t, t.name));
    return v ? k(*v) : Ok();
  }
  return Fail(t.pos, "var " + t.name + " is unsafe");
}

Status Evaluator::EvalRef(const Term& t, const ValCont& k) {
  const Term& head = *t.args[0];
  if (head.kind == TermKind::kVar && !Lookup(head.name)) {
    if (head.name == "data") return EvalDataRef(t, k);
    if (auto it = m_.imports.find(head.name); it != m_.imports.end()) {
      auto ref = std::make_shared<Term>(*it->second);
      if (ref->kind == TermKind::kVar) {
        ref->kind = TermKind::kRef;
        ref->args = {it->second};
      }
      for (size_t i = 1; i < t.args.size(); ++i) ref->args.push_back(t.args[i]);
      return EvalTerm(*ref, k);
    }
  }
  return EvalTerm(head, [&](const Json& v) { return Walk(v, t, 1, k); });
}

Status Evaluator::EvalDataRef(const Term& t, const ValCont& k) {
  const auto& pkg = m_.module.package;
  size_t i = 1;
  while (i < t.args.size() && i - 1 < pkg.size() && t.args[i]->kind == TermKind::kScalar &&
         t.args[i]->value == pkg[i - 1]) {
    ++i;
  }
  if (i - 1 == pkg.size()) {  // data.<package>...
    if (i == t.args.size()) {
      ASSIGN_OR_RETURN(Json obj, PackageObject(t));
      return k(obj);
    }
    const Term& name = *t.args[i];
    if (name.kind == TermKind::kScalar && name.value.is_string()) {
      const std::string& n = name.value.get_ref<const std::string&>();
      if (m_.rules.contains(n) || m_.defaults.contains(n)) {
        ASSIGN_OR_RETURN(const Json* v, RuleValue(t, n));
        return v ? Walk(*v, t, i + 1, k) : Ok();
      }
    }
  }
  return Walk(*data_, t, 1, k);
}

Status Evaluator::Walk(const Json& cur, const Term& ref, size_t i, const ValCont& k) {
  if (i == ref.args.size()) return k(cur);
  const Term& e = *ref.args[i];
  if (IsUnbound(e)) {
    if (cur.is_array()) {
      for (size_t j = 0; j < cur.size(); ++j) {
        TRY(Bind(e.name, Json(j), [&]() { return Walk(cur[j], ref, i + 1, k); }));
      }
    } else if (cur.is_object()) {
      for (auto it = cur.begin(); it != cur.end(); ++it) {
        TRY(Bind(e.name, Json(it.key()), [&]() { return Walk(it.value(), ref, i + 1, k); }));
      }
    }
    return Ok();
  }
  return EvalTerm(e, [&](const Json& key) -> Status {
    if (cur.is_object() && key.is_string()) {
      auto it = cur.find(key.get_ref<const std::string&>());
      return it == cur.end() ? Ok() : Walk(*it, ref, i + 1, k);
    }
    if (cur.is_array() && !key.is_number()) {
      // Sets are arrays: s[x] with a non-numeric x is a membership lookup (yields x).
      for (auto& e : cur) {
        if (Equal(e, key)) return Walk(e, ref, i + 1, k);
      }
      return Ok();
    }
    if (cur.is_array() && key.is_number()) {
      double d = key.get<double>();
      if (!(d >= 0 && d < static_cast<double>(cur.size())) || d != static_cast<size_t>(d)) {
        return Ok();
      }
      return Walk(cur[static_cast<size_t>(d)], ref, i + 1, k);
    }
    return Ok();
  });
}

Status Evaluator::EvalCall(const Term& t, const ValCont& k) {
  std::vector<Json> vals;
  return EvalTerms(t.args, 0, vals, [&](std::vector<Json>& args) -> Status {
    std::string name = t.name;
    std::string prefix = "data.";
    for (auto& p : m_.module.package) prefix += p + ".";
    if (name.starts_with(prefix)) name = name.substr(prefix.size());
    if (m_.rules.contains(name)) return CallUser(t, args, k);
    if (t.name == "query_reference_value") {
      if (args.size() != 1 || !args[0].is_string()) return Ok();
      Json v = rv_ ? rv_(args[0].get_ref<const std::string&>()) : Json(nullptr);
      return k(v);
    }
    const Builtin* b = FindBuiltin(t.name);
    if (!b) return Fail(t.pos, "unknown function " + t.name);
    if (b->arity >= 0 && static_cast<size_t>(b->arity) != args.size()) {
      return Fail(t.pos, t.name + " expects " + std::to_string(b->arity) + " arguments");
    }
    auto r = b->fn(args);
    return r ? k(*r) : Ok();
  });
}

Status Evaluator::CallUser(const Term& t, const std::vector<Json>& args, const ValCont& k) {
  std::string name =
      t.name.substr(t.name.rfind('.') == std::string::npos ? 0 : t.name.rfind('.') + 1);
  if (++depth_ > 200) return Fail(t.pos, "function recursion too deep");
  std::optional<Json> result;
  Env saved;
  saved.swap(env_);
  Status st = Ok();
  for (const Rule* r : m_.rules.at(name)) {
    if (r->args.size() != args.size()) continue;
    // Evaluate each alternative with parameters bound.
    for (const Rule* alt = r; alt && st; alt = alt->else_rule.get()) {
      bool any = false;
      std::function<Status(size_t)> params = [&](size_t i) -> Status {
        if (i == args.size()) {
          return EvalBody(alt->body, 0, [&]() -> Status {
            auto emit = [&](const Json& v) -> Status {
              if (result && !Equal(*result, v)) {
                return Fail(t.pos, "functions must not produce multiple outputs for same inputs");
              }
              result = v;
              any = true;
              return Ok();
            };
            return alt->value ? EvalTerm(*alt->value, emit) : emit(Json(true));
          });
        }
        return Unify(*alt->args[i], args[i], true, [&]() { return params(i + 1); });
      };
      st = params(0);
      if (any) break;
    }
    if (!st) break;
  }
  env_.swap(saved);
  --depth_;
  TRY(st);
  return result ? k(*result) : Ok();
}

}  // namespace cocoon::policy::rego
