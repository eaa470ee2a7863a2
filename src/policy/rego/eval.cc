// Rego evaluator core: bodies, expressions, terms and unification (see eval.h). Evaluation is
// continuation-passing: each solution calls the continuation, undefined calls nothing.
#include "policy/rego/eval.h"

#include "policy/rego/safety.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {

namespace {

// Context of the query itself: no imports, no package of its own.
const CompiledPackage kNoPackage;
const ModuleCtx kQueryCtx{"query", &kNoPackage, nullptr, {}, {}};

}  // namespace

Status ForEachEntry(const Json& coll, const std::function<Status(const Json&, const Json&)>& f) {
  if (IsSet(coll)) {
    for (const Json& m : Members(coll)) TRY(f(m, m));
  } else if (coll.is_array()) {
    for (size_t i = 0; i < coll.size(); ++i) TRY(f(Json(i), coll[i]));
  } else if (coll.is_object() && HasEncodedKeys(coll)) {
    for (const auto& [key, value] : SortedEntries(coll)) TRY(f(key, *value));
  } else if (coll.is_object()) {
    for (auto it = coll.begin(); it != coll.end(); ++it) {
      if (IsPlainKey(it.key())) {
        TRY(f(Json(it.key()), it.value()));
      } else {
        TRY(f(KeyValue(it.key()), it.value()));
      }
    }
  }
  return Ok();
}

Evaluator::Evaluator(const CompiledPolicy& p, const Json* input, const Json& data,
                     const ReferenceValueLookup& rv)
    : p_(p), cur_(&kQueryCtx), input_(input), data_(&data), rv_(rv) {}

const RuleSet* Evaluator::LocalRule(const std::string& name) const {
  auto it = cur_->pkg->rules.find(name);
  return it == cur_->pkg->rules.end() ? nullptr : &it->second;
}

std::unexpected<Error> Evaluator::Fail(const Pos& p, const std::string& msg) const {
  return InvalidArgument(cur_->file + ":" + std::to_string(p.line) + ":" + std::to_string(p.col) +
                         ": " + msg);
}

const Evaluator::Binding* Evaluator::Lookup(const std::string& name) const {
  for (auto it = env_.rbegin(); it != env_.rend(); ++it) {
    if (it->name == name) return &*it;
  }
  return nullptr;
}

bool Evaluator::IsUnbound(const Term& t) const {
  if (t.kind != TermKind::kVar) return false;
  if (t.name == "_") return true;
  const Binding* b = Lookup(t.name);
  if (b) return !b->bound;
  return t.name != "input" && t.name != "data" && !LocalRule(t.name) &&
         !cur_->imports.contains(t.name);
}

bool Evaluator::HasUnbound(const Term& t) const {
  if (t.kind == TermKind::kVar) return IsUnbound(t);
  if (t.kind == TermKind::kArray) {
    for (auto& a : t.args) {
      if (HasUnbound(*a)) return true;
    }
  }
  if (t.kind == TermKind::kObject) {
    for (size_t i = 1; i < t.args.size(); i += 2) {
      if (HasUnbound(*t.args[i])) return true;
    }
  }
  return false;
}

Status Evaluator::Bind(const std::string& name, const Json& v, const Cont& k) {
  if (name == "_") return k();
  env_.push_back({name, v, true});
  Status s = k();
  env_.pop_back();
  return s;
}

Result<std::optional<Json>> Evaluator::Query(const Term& query) {
  std::optional<Json> out;
  TRY(EvalTerm(query, [&](const Json& v) -> Status {
    if (!out) out = v;
    return Ok();
  }));
  return out;
}

Status Evaluator::Solutions(const CompiledQuery& q, const SolutionFn& emit) {
  query_calls_ = &q.calls;
  cur_ = &q.ctx;
  auto bindings = [&]() {
    Json b = Json::object();
    for (const std::string& v : q.vars) {
      const Binding* x = Lookup(v);
      if (x && x->bound) b[v] = ToJson(x->value);
    }
    return b;
  };
  const Body& body = q.rule->body;
  const Expr& first = *body[0];
  bool assign = first.term && first.term->kind == TermKind::kBinary &&
                (first.term->name == ":=" || first.term->name == "=");
  if (body.size() == 1 && first.kind == ExprKind::kTerm && first.withs.empty() && !assign) {
    return EvalTerm(*first.term, [&](const Json& v) { return emit(ToJson(v), bindings()); });
  }
  return EvalBody(body, 0, [&]() { return emit(std::nullopt, bindings()); });
}

Status Evaluator::EvalBody(const Body& body, size_t i, const Cont& k) {
  if (i == body.size()) return k();
  return EvalExpr(*body[i], [&]() { return EvalBody(body, i + 1, k); });
}

Status Evaluator::EvalExpr(const Expr& e, const Cont& k) {
  if (++depth_ > 200) return Fail(e.pos, "eval_internal_error: evaluation too deep");
  Status s = e.withs.empty() ? EvalExprNoWith(e, k) : EvalWith(e, k);
  --depth_;
  return s;
}

Status Evaluator::EvalExprNoWith(const Expr& e, const Cont& k) {
  switch (e.kind) {
    case ExprKind::kNot: {
      bool found = false;
      size_t mark = env_.size();
      TRY(EvalExpr(*e.sub, [&]() -> Status {
        found = true;
        return Ok();
      }));
      env_.resize(mark);
      return found ? Ok() : k();
    }
    case ExprKind::kSomeDecl: {
      size_t mark = env_.size();
      for (auto& t : e.terms) env_.push_back({t->name, Json(), false});
      Status s = k();
      env_.resize(mark);
      return s;
    }
    case ExprKind::kSomeIn:
      return EvalIn(e, k);
    case ExprKind::kEvery:
      return EvalEvery(e, k);
    case ExprKind::kTerm:
      break;
  }
  const Term& t = *e.term;
  if (t.kind == TermKind::kBinary && (t.name == ":=" || t.name == "=")) {
    return UnifyTerms(*t.args[0], *t.args[1], t.name == ":=", k);
  }
  return EvalTerm(t, [&](const Json& v) -> Status {
    if (v.is_boolean() && !v.get<bool>()) return Ok();
    return k();
  });
}

// some [k,] v in xs
Status Evaluator::EvalIn(const Expr& e, const Cont& k) {
  const Term* key = e.terms.size() == 3 ? e.terms[0].get() : nullptr;
  const Term& val = *e.terms[e.terms.size() - 2];
  return EvalTerm(*e.terms.back(), [&](const Json& coll) -> Status {
    return ForEachEntry(coll, [&](const Json& kv, const Json& vv) -> Status {
      auto inner = [&]() { return Unify(val, vv, true, k); };
      return key ? Unify(*key, kv, true, inner) : inner();
    });
  });
}

Status Evaluator::EvalEvery(const Expr& e, const Cont& k) {
  const Term* key = e.terms.size() == 3 ? e.terms[0].get() : nullptr;
  const Term& val = *e.terms[e.terms.size() - 2];
  bool all = true;
  bool defined = false;
  TRY(EvalTerm(*e.terms.back(), [&](const Json& coll) -> Status {
    defined = true;
    auto check = [&](const Json& kv, const Json& vv) -> Status {
      bool ok = false;
      auto body = [&]() -> Status {
        return EvalBody(e.body, 0, [&]() -> Status {
          ok = true;
          return Ok();
        });
      };
      auto inner = [&]() { return Unify(val, vv, true, body); };
      TRY(key ? Unify(*key, kv, true, inner) : inner());
      if (!ok) all = false;
      return Ok();
    };
    if (!coll.is_array() && !coll.is_object()) {
      all = false;
      return Ok();
    }
    return ForEachEntry(
        coll, [&](const Json& kv, const Json& vv) -> Status { return all ? check(kv, vv) : Ok(); });
  }));
  return defined && all ? k() : Ok();
}

Status Evaluator::Unify(const Term& p, const Json& v, bool declare, const Cont& k) {
  if (p.kind == TermKind::kVar && (declare || IsUnbound(p))) return Bind(p.name, v, k);
  if (p.kind == TermKind::kArray && HasUnbound(p)) {
    if (!v.is_array() || v.size() != p.args.size()) return Ok();
    std::function<Status(size_t)> step = [&](size_t i) -> Status {
      if (i == p.args.size()) return k();
      return Unify(*p.args[i], v[i], declare, [&]() { return step(i + 1); });
    };
    return step(0);
  }
  if (p.kind == TermKind::kObject && HasUnbound(p)) {
    if (!v.is_object() || v.size() * 2 != p.args.size()) return Ok();
    std::function<Status(size_t)> step = [&](size_t i) -> Status {
      if (i >= p.args.size()) return k();
      return EvalTerm(*p.args[i], [&](const Json& key) -> Status {
        auto it = key.is_string() ? v.find(key.get_ref<const std::string&>()) : v.find(KeyOf(key));
        if (it == v.end()) return Ok();
        return Unify(*p.args[i + 1], *it, declare, [&]() { return step(i + 2); });
      });
    };
    return step(0);
  }
  return EvalTerm(p, [&](const Json& pv) -> Status { return Equal(pv, v) ? k() : Ok(); });
}

Status Evaluator::UnifyPairs(std::vector<std::pair<const Term*, const Term*>>& pairs,
                             const Cont& k) {
  if (pairs.empty()) return k();
  size_t pick = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (!HasUnbound(*pairs[i].first) || !HasUnbound(*pairs[i].second)) {
      pick = i;
      break;
    }
  }
  auto [l, r] = pairs[pick];
  std::vector<std::pair<const Term*, const Term*>> rest = pairs;
  rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(pick));
  return UnifyTerms(*l, *r, false, [&]() { return UnifyPairs(rest, k); });
}

Status Evaluator::UnifyTerms(const Term& lhs, const Term& rhs, bool declare, const Cont& k) {
  if (!declare && HasUnbound(rhs) && HasUnbound(lhs)) {
    std::vector<std::pair<const Term*, const Term*>> pairs;
    if (lhs.kind == TermKind::kArray && rhs.kind == TermKind::kArray &&
        lhs.args.size() != rhs.args.size()) {
      return Ok();  // arrays of different lengths never unify
    }
    if (SplitUnification(lhs, rhs, pairs)) return UnifyPairs(pairs, k);
  }
  if (!declare && HasUnbound(rhs) && !HasUnbound(lhs)) {
    return EvalTerm(lhs, [&](const Json& v) { return Unify(rhs, v, false, k); });
  }
  return EvalTerm(rhs, [&](const Json& v) { return Unify(lhs, v, declare, k); });
}

Status Evaluator::EvalTerms(const std::vector<TermPtr>& ts, size_t i, std::vector<Json>& out,
                            const std::function<Status(std::vector<Json>&)>& k) {
  return EvalTermsN(ts, i, ts.size(), out, k);
}

Status Evaluator::EvalTermsN(const std::vector<TermPtr>& ts, size_t i, size_t n,
                             std::vector<Json>& out,
                             const std::function<Status(std::vector<Json>&)>& k) {
  if (i == n) return k(out);
  return EvalTerm(*ts[i], [&](const Json& v) -> Status {
    out.push_back(v);
    Status s = EvalTermsN(ts, i + 1, n, out, k);
    out.pop_back();
    return s;
  });
}

Status Evaluator::EvalTerm(const Term& t, const ValCont& k) {
  switch (t.kind) {
    case TermKind::kScalar:
      return k(t.value);
    case TermKind::kVar:
      return EvalVar(t, k);
    case TermKind::kRef:
      return EvalRef(t, k);
    case TermKind::kArray:
    case TermKind::kSet:
    case TermKind::kObject:
      return EvalCollection(t, k);
    case TermKind::kArrayCompr:
    case TermKind::kSetCompr:
    case TermKind::kObjectCompr:
      return EvalComprehension(t, k);
    case TermKind::kCall:
      return EvalCall(t, k);
    case TermKind::kBinary:
      return EvalBinary(t, k);
    case TermKind::kMember:
      return EvalMember(t, k);
    case TermKind::kNeg:
      return EvalTerm(*t.args[0], [&](const Json& v) -> Status {
        auto r = Arith("-", Json(0), v);
        return r ? k(*r) : Ok();
      });
  }
  return Ok();
}

Status Evaluator::EvalCollection(const Term& t, const ValCont& k) {
  std::vector<Json> vals;
  return EvalTerms(t.args, 0, vals, [&](std::vector<Json>& vs) -> Status {
    if (t.kind == TermKind::kObject) {
      Json o = Json::object();
      for (size_t i = 0; i + 1 < vs.size(); i += 2) {
        o[KeyOf(vs[i])] = vs[i + 1];
      }
      return k(o);
    }
    if (t.kind == TermKind::kSet) return k(MakeSet(vs));
    Json a = Json::array();
    for (auto& v : vs) a.push_back(v);
    return k(a);
  });
}

Status Evaluator::EvalComprehension(const Term& t, const ValCont& k) {
  Json out = t.kind == TermKind::kObjectCompr ? Json::object() : Json::array();
  std::optional<Error> conflict;
  size_t mark = env_.size();
  TRY(EvalBody(t.body, 0, [&]() -> Status {
    if (t.kind != TermKind::kObjectCompr) {
      return EvalTerm(*t.args[0], [&](const Json& v) -> Status {
        out.push_back(v);
        return Ok();
      });
    }
    return EvalTerm(*t.args[0], [&](const Json& key) -> Status {
      return EvalTerm(*t.args[1], [&](const Json& v) -> Status {
        std::string ks = KeyOf(key);
        auto it = out.find(ks);
        if (it != out.end() && !Equal(*it, v)) {
          return Fail(t.pos, "eval_conflict_error: object keys must be unique");
        }
        out[ks] = v;
        return Ok();
      });
    });
  }));
  env_.resize(mark);
  if (t.kind == TermKind::kSetCompr) {
    return k(MakeSet(std::move(out.get_ref<Json::array_t&>())));
  }
  return k(out);
}

Status Evaluator::EvalMember(const Term& t, const ValCont& k) {
  bool has_key = t.args.size() == 3;
  std::vector<Json> vals;
  return EvalTerms(t.args, 0, vals, [&](std::vector<Json>& vs) -> Status {
    const Json& coll = vs.back();
    const Json& v = vs[vs.size() - 2];
    bool found = false;
    if (IsSet(coll)) {
      found = SetContains(coll, v) && (!has_key || Equal(vs[0], v));
    } else if (has_key && (coll.is_array() || coll.is_object())) {
      const Json* at = Index(coll, vs[0]);
      found = at && Equal(*at, v);
    } else if (coll.is_array()) {
      for (size_t i = 0; i < coll.size() && !found; ++i) found = Equal(coll[i], v);
    } else if (coll.is_object()) {
      for (auto it = coll.begin(); it != coll.end() && !found; ++it) found = Equal(it.value(), v);
    }
    return k(Json(found));
  });
}

namespace {

// Why `a op b` has no value, in OPA's words (strict mode).
std::string ArithError(const std::string& op, const Json& a, const Json& b) {
  const char* name = op == "+"   ? "plus"
                     : op == "-" ? "minus"
                     : op == "*" ? "mul"
                     : op == "/" ? "div"
                                 : "rem";
  if (!a.is_number())
    return "eval_type_error: " + std::string(name) + ": operand 1 must be number but got " +
           TypeNameOf(a);
  if (!b.is_number())
    return "eval_type_error: " + std::string(name) + ": operand 2 must be number but got " +
           TypeNameOf(b);
  if (op == "/" && b.get<double>() == 0) return "eval_builtin_error: div: divide by zero";
  if (op == "%" && b.get<double>() == 0) return "eval_builtin_error: rem: modulo by zero";
  if (op == "%") return "eval_builtin_error: rem: modulo on floating-point number";
  return "eval_builtin_error: " + std::string(name) + ": result out of range";
}

}  // namespace

Status Evaluator::EvalBinary(const Term& t, const ValCont& k) {
  const std::string& op = t.name;
  if (op == ":=" || op == "=") {
    return UnifyTerms(*t.args[0], *t.args[1], op == ":=", [&]() { return k(Json(true)); });
  }
  return EvalTerm(*t.args[0], [&](const Json& a) -> Status {
    return EvalTerm(*t.args[1], [&](const Json& b) -> Status {
      if (op == "==") return k(Json(Equal(a, b)));
      if (op == "!=") return k(Json(!Equal(a, b)));
      if (op == "<") return k(Json(Compare(a, b) < 0));
      if (op == "<=") return k(Json(Compare(a, b) <= 0));
      if (op == ">") return k(Json(Compare(a, b) > 0));
      if (op == ">=") return k(Json(Compare(a, b) >= 0));
      if (op == "|" || op == "&" || (op == "-" && IsSet(a))) {
        if (IsSet(a) && IsSet(b)) return k(SetOp(op[0], a, b));
        if (!p_.strict) return Ok();
        const Json& bad = IsSet(a) ? b : a;
        return Fail(t.pos, std::string("eval_type_error: ") +
                               (IsSet(a) ? "operand 2" : "operand 1") + " must be set but got " +
                               TypeNameOf(bad));
      }
      auto r = Arith(op, a, b);
      if (!r && p_.strict) return Fail(t.pos, ArithError(op, a, b));
      return r ? k(*r) : Ok();
    });
  });
}

}  // namespace cocoon::policy::rego
