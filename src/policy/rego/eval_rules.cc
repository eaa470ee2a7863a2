// Rego evaluator: variables, references into input/data/rules, calls of builtins and user
// functions. See eval.h.
#include "policy/rego/builtins.h"
#include "policy/rego/eval.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {

Status Evaluator::EvalVar(const Term& t, const ValCont& k) {
  if (const Binding* b = Lookup(t.name)) {
    if (!b->bound) return Fail(t.pos, "rego_unsafe_var_error: var " + t.name + " is unsafe");
    return k(b->value);
  }
  if (t.name == "input") return input_ ? k(*input_) : Ok();
  if (t.name == "data") {
    ASSIGN_OR_RETURN(Json d, DataDocument(t, {}));
    return k(d);
  }
  if (auto it = cur_->imports.find(t.name); it != cur_->imports.end()) {
    return EvalTerm(*it->second, k);
  }
  if (const RuleSet* rs = LocalRule(t.name)) {
    ASSIGN_OR_RETURN(const Json* v, RuleValue(t, *rs));
    return v ? k(*v) : Ok();
  }
  return Fail(t.pos, "rego_unsafe_var_error: var " + t.name + " is unsafe");
}

Status Evaluator::EvalRef(const Term& t, const ValCont& k) {
  const Term& head = *t.args[0];
  if (head.kind == TermKind::kVar && !Lookup(head.name)) {
    if (head.name == "data") return EvalDataRef(t, k);
    if (auto it = cur_->imports.find(head.name); it != cur_->imports.end()) {
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

// data.a.b.c: the longest constant prefix naming a package followed by one of its rules is a
// rule reference; a prefix at or above some package is that part of the data document.
namespace {

// Merges `src` into `dst`: objects key by key, sets as their union; `dst` keeps its other values.
void DeepMerge(Json& dst, const Json& src) {
  if (dst.is_object() && src.is_object()) {
    for (auto it = src.begin(); it != src.end(); ++it) {
      auto d = dst.find(it.key());
      if (d == dst.end()) {
        dst[it.key()] = it.value();
      } else {
        DeepMerge(*d, it.value());
      }
    }
  } else if (IsSet(dst) && IsSet(src)) {
    dst = SetOp('|', dst, src);
  }
}

}  // namespace

Status Evaluator::EvalDataRef(const Term& t, const ValCont& k) {
  std::vector<std::string> prefix;
  size_t i = 1;
  for (; i < t.args.size(); ++i) {
    const Term& seg = *t.args[i];
    if (seg.kind != TermKind::kScalar || !seg.value.is_string()) break;
    const std::string& s = seg.value.get_ref<const std::string&>();
    if (const CompiledPackage* pkg = p_.FindPackage(prefix)) {
      if (auto r = pkg->rules.find(s); r != pkg->rules.end() && !r->second.is_function()) {
        ASSIGN_OR_RETURN(const Json* v, RuleValue(t, r->second));
        prefix.push_back(s);
        if (r->second.kind == RuleKind::kRefHead && p_.HasPackageUnder(prefix)) {
          // `a.b.c contains 1` in package p and `b.c contains 2` in package p.a: one document.
          ASSIGN_OR_RETURN(Json doc, DataDocument(t, prefix));
          Json merged = v ? *v : Json::object();
          DeepMerge(merged, doc);
          return Walk(merged, t, i + 1, k);
        }
        return v ? Walk(*v, t, i + 1, k) : Ok();
      }
    }
    prefix.push_back(s);
  }
  if (p_.HasPackageUnder(prefix)) {
    ASSIGN_OR_RETURN(Json doc, DataDocument(t, prefix));
    return Walk(doc, t, i, k);
  }
  return Walk(*data_, t, 1, k);
}

Status Evaluator::Walk(const Json& cur, const Term& ref, size_t i, const ValCont& k) {
  if (i == ref.args.size()) return k(cur);
  const Term& e = *ref.args[i];
  if (IsUnbound(e)) {
    return ForEachEntry(cur, [&](const Json& key, const Json& v) -> Status {
      return Bind(e.name, key, [&]() { return Walk(v, ref, i + 1, k); });
    });
  }
  if ((e.kind == TermKind::kArray || e.kind == TermKind::kObject) && HasUnbound(e)) {
    return ForEachEntry(cur, [&](const Json& key, const Json& v) -> Status {
      return Unify(e, key, false, [&]() { return Walk(v, ref, i + 1, k); });
    });
  }
  return EvalTerm(e, [&](const Json& key) -> Status {
    const Json* at = Index(cur, key);
    return at ? Walk(*at, ref, i + 1, k) : Ok();
  });
}

namespace {

// A failed builtin call in strict mode, as OPA words it: "eval_type_error: NAME: operand N must
// be T but got U" for operand types, else "eval_builtin_error: NAME: <why>".
std::string StrictBuiltinError(const std::string& name, const std::vector<Json>& args) {
  if (auto te = OperandTypeError(name, args)) return "eval_type_error: " + name + ": " + *te;
  if (auto e = TakeBuiltinError()) return e->kind + ": " + name + ": " + e->msg;
  std::string types;
  for (const Json& a : args) types += (types.empty() ? "" : ", ") + TypeNameOf(a);
  return "eval_builtin_error: " + name + ": invalid arguments (" + types + ")";
}

}  // namespace

Status Evaluator::EvalCall(const Term& t, const ValCont& k) {
  const CallTarget* found = nullptr;
  if (auto it = p_.calls.find(&t); it != p_.calls.end()) {
    found = &it->second;
  } else if (query_calls_) {
    if (auto q = query_calls_->find(&t); q != query_calls_->end()) found = &q->second;
  }
  if (!found) return Fail(t.pos, "rego_type_error: undefined function " + t.name);
  CallTarget ct = *found;
  const Json* fixed = nullptr;  // `with f as <value>`
  bool replaced = false;        // `with f as g`: g runs without the expression's mocks
  if (!fn_overrides_.empty()) {
    const void* key = ct.user ? static_cast<const void*>(ct.user) : ct.builtin;
    if (auto o = fn_overrides_.find(key); key && o != fn_overrides_.end()) {
      fixed = o->second.value;
      replaced = !fixed;
      bool out = ct.output_arg;
      ct = o->second.fn;
      ct.output_arg = out;
    }
  }
  size_t n = ct.output_arg ? t.args.size() - 1 : t.args.size();
  auto emit = [&](const Json& r) -> Status {
    if (!ct.output_arg) return k(r);  // f(args..., out): true when out unifies with the result
    return Unify(*t.args.back(), r, false, [&]() { return k(Json(true)); });
  };
  if (fixed) {
    std::vector<Json> vals;
    return EvalTermsN(t.args, 0, n, vals, [&](std::vector<Json>&) { return emit(*fixed); });
  }
  return CallWith(t, ct, n, emit, replaced);
}

Status Evaluator::CallWith(const Term& t, const CallTarget& ct, size_t nargs, const ValCont& k,
                           bool suspend_mocks) {
  std::vector<Json> vals;
  return EvalTermsN(t.args, 0, nargs, vals, [&](std::vector<Json>& args) -> Status {
    if (ct.user && suspend_mocks && !fn_overrides_.empty()) {
      // A replacement function calls the originals (OPA: mocks do not apply inside mocks).
      std::map<const void*, FnOverride> saved;
      saved.swap(fn_overrides_);
      Status st = CallUser(t, *ct.user, args, [&](const Json& r) -> Status {
        fn_overrides_.swap(saved);
        Status s = k(r);
        fn_overrides_.swap(saved);
        return s;
      });
      fn_overrides_.swap(saved);
      return st;
    }
    if (ct.user) return CallUser(t, *ct.user, args, k);
    if (!ct.builtin) {  // query_reference_value
      if (args.size() != 1 || !args[0].is_string()) return Ok();
      Json v = rv_ ? rv_(args[0].get_ref<const std::string&>()) : Json(nullptr);
      return k(v);
    }
    if (ct.builtin->arity >= 0 && static_cast<size_t>(ct.builtin->arity) != args.size()) {
      return Fail(t.pos, "rego_type_error: " + t.name + ": arity mismatch (with replacement)");
    }
    static const Builtin* const kNow = FindBuiltin("time.now_ns");
    if (ct.builtin == kNow) {  // one value per evaluation, as OPA
      if (!now_) now_ = *ct.builtin->fn(args);
      return k(*now_);
    }
    if (p_.strict) ClearBuiltinError();
    auto r = ct.builtin->fn(args);
    if (!r && p_.strict) return Fail(t.pos, StrictBuiltinError(t.name, args));
    return r ? k(*r) : Ok();
  });
}

Status Evaluator::CallUser(const Term& t, const RuleSet& fn, const std::vector<Json>& args,
                           const ValCont& k) {
  if (++depth_ > 200) return Fail(t.pos, "eval_internal_error: function recursion too deep");
  std::optional<Json> result;
  Env saved;
  saved.swap(env_);
  const ModuleCtx* caller = cur_;
  Status st = Ok();
  for (const RuleDef& d : fn.defs) {
    const Rule* r = d.rule;
    if (r->args.size() != args.size()) continue;
    cur_ = d.mod;
    // Evaluate each alternative with parameters bound.
    for (const Rule* alt = r; alt && st; alt = alt->else_rule.get()) {
      bool any = false;
      std::function<Status(size_t)> params = [&](size_t i) -> Status {
        if (i == args.size()) {
          return EvalBody(alt->body, 0, [&]() -> Status {
            auto emit = [&](const Json& v) -> Status {
              if (result && !Equal(*result, v)) {
                return Fail(alt->pos,
                            "eval_conflict_error: functions must not produce multiple outputs for "
                            "same inputs");
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
  if (st && !result && fn.default_def && fn.default_def->rule->args.size() == args.size()) {
    cur_ = fn.default_def->mod;
    st = EvalTerm(*fn.default_def->rule->value, [&](const Json& v) -> Status {
      result = v;
      return Ok();
    });
  }
  cur_ = caller;
  env_.swap(saved);
  --depth_;
  TRY(st);
  return result ? k(*result) : Ok();
}

}  // namespace cocoon::policy::rego
