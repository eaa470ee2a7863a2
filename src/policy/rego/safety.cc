// Safety analysis and body reordering (see safety.h), after OPA's reorderBodyForSafety: an
// expression is placed once every variable it reads is bound by an already placed expression;
// it then binds its outputs (assignment and unification patterns, ref keys, `some … in`).
#include "policy/rego/safety.h"

#include <algorithm>
#include <map>
#include <set>

namespace cocoon::policy::rego {
namespace {

using VarSet = std::set<std::string>;

struct Use {
  std::string name;
  Pos pos;
};

struct TermVars {
  std::vector<Use> reads;  // must be bound before the term is evaluated
  std::vector<Use> keys;   // ref keys: bound by iterating the ref
  std::vector<Use> pats;   // unification pattern positions
};

struct ExprInfo {
  std::vector<Use> needs;
  VarSet outputs;
  VarSet closure;  // vars used inside comprehensions / `every` bodies of the expression
};

bool IsCompr(const Term& t) {
  return t.kind == TermKind::kArrayCompr || t.kind == TermKind::kSetCompr ||
         t.kind == TermKind::kObjectCompr;
}

class Safety {
 public:
  explicit Safety(const ModuleCtx& ctx) : ctx_(ctx) {}

  Result<std::shared_ptr<const Rule>> Chain(const Rule& r) {
    auto out = std::make_shared<Rule>(r);
    VarSet bound, declared;
    for (auto& a : r.args) {
      NamesOf(*a, bound);
      NamesOf(*a, declared);
    }
    ASSIGN_OR_RETURN(out->body, Reorder(r.body, bound, declared));
    std::vector<TermPtr*> heads = {&out->key, &out->value};
    for (auto& p : out->path) heads.push_back(&p);
    for (TermPtr* head : heads) {
      if (!*head) continue;
      TermVars tv;
      Collect(**head, declared, tv);
      for (auto* list : {&tv.reads, &tv.keys}) {
        for (auto& u : *list) {
          if (!bound.contains(u.name)) return Unsafe(u);
        }
      }
      ASSIGN_OR_RETURN(*head, RewriteTerm(*head, bound, declared));
    }
    if (r.else_rule) {
      ASSIGN_OR_RETURN(out->else_rule, Chain(*r.else_rule));
    }
    return std::shared_ptr<const Rule>(out);
  }

 private:
  std::unexpected<Error> Unsafe(const Use& u) const {
    return InvalidArgument(ctx_.file + ":" + std::to_string(u.pos.line) + ":" +
                           std::to_string(u.pos.col) + ": rego_unsafe_var_error: var " + u.name +
                           " is unsafe");
  }

  bool IsLocal(const std::string& n, const VarSet& declared) const {
    if (n == "_") return false;
    if (declared.contains(n)) return true;
    return n != "input" && n != "data" && !ctx_.imports.contains(n) && !ctx_.pkg->rules.contains(n);
  }

  // `f(a, out)`: a call with one argument more than its function (builtin or function of this
  // package) takes the result in its last argument.
  bool HasOutputArg(const Term& t) const {
    const RuleSet* r = nullptr;
    if (ctx_.policy) {
      r = FindUserFunction(*ctx_.policy, ctx_, t.name);
    } else if (auto it = ctx_.pkg->rules.find(t.name); it != ctx_.pkg->rules.end()) {
      r = &it->second;
    }
    if (r) return r->is_function() && t.args.size() == FunctionArity(*r) + 1;
    const Builtin* b = FindBuiltin(t.name);
    return b && b->arity >= 0 && t.args.size() == static_cast<size_t>(b->arity) + 1;
  }

  // `count`, `object.union_n`, `g`, `data.pkg.g`: a builtin or function named as a with value.
  bool NamesFunction(const Term& t, const VarSet& declared) const {
    const Term* head = t.kind == TermKind::kRef ? t.args[0].get() : &t;
    if (head->kind != TermKind::kVar || declared.contains(head->name)) return false;
    std::string name = head->name;
    for (size_t i = 1; t.kind == TermKind::kRef && i < t.args.size(); ++i) {
      const Term& s = *t.args[i];
      if (s.kind != TermKind::kScalar || !s.value.is_string()) return false;
      name += "." + s.value.get<std::string>();
    }
    if (FindBuiltin(name)) return true;
    const RuleSet* r = nullptr;
    if (ctx_.policy) r = FindUserFunction(*ctx_.policy, ctx_, name);
    return r && r->is_function();
  }

  // Local vars of t outside comprehensions: reads, and ref keys.
  void Collect(const Term& t, const VarSet& declared, TermVars& out) const {
    if (IsCompr(t)) return;
    if (t.kind == TermKind::kVar) {
      if (IsLocal(t.name, declared)) out.reads.push_back({t.name, t.pos});
      return;
    }
    for (size_t i = 0; i < t.args.size(); ++i) {
      const Term& a = *t.args[i];
      if (t.kind == TermKind::kRef && i > 0 && a.kind == TermKind::kVar) {
        if (IsLocal(a.name, declared)) out.keys.push_back({a.name, a.pos});
      } else if (t.kind == TermKind::kRef && i > 0 &&
                 (a.kind == TermKind::kArray || a.kind == TermKind::kObject)) {
        // `p[[x, 2]]`: a composite key is a pattern matched against each key of p.
        TermVars kp;
        Pattern(a, declared, kp);
        out.reads.insert(out.reads.end(), kp.reads.begin(), kp.reads.end());
        out.keys.insert(out.keys.end(), kp.keys.begin(), kp.keys.end());
        out.keys.insert(out.keys.end(), kp.pats.begin(), kp.pats.end());
      } else {
        Collect(a, declared, out);
      }
    }
  }

  // Unification pattern: vars, arrays of patterns, objects with pattern values.
  void Pattern(const Term& t, const VarSet& declared, TermVars& out) const {
    if (t.kind == TermKind::kVar) {
      if (IsLocal(t.name, declared)) out.pats.push_back({t.name, t.pos});
    } else if (t.kind == TermKind::kArray) {
      for (auto& a : t.args) Pattern(*a, declared, out);
    } else if (t.kind == TermKind::kObject) {
      for (size_t i = 0; i + 1 < t.args.size(); i += 2) {
        Collect(*t.args[i], declared, out);
        Pattern(*t.args[i + 1], declared, out);
      }
    } else {
      Collect(t, declared, out);
    }
  }

  // Every var name used inside t's comprehensions (deep), minus ones they declare.
  static void ClosureVars(const Term& t, VarSet& out) {
    if (IsCompr(t)) {
      VarSet used, decl;
      Deep(t, used, decl);
      for (auto& v : used) {
        if (!decl.contains(v)) out.insert(v);
      }
      return;
    }
    for (auto& a : t.args) {
      if (a) ClosureVars(*a, out);
    }
  }

  static void Deep(const Term& t, VarSet& used, VarSet& decl) {
    if (t.kind == TermKind::kVar && t.name != "_") used.insert(t.name);
    for (auto& a : t.args) {
      if (a) Deep(*a, used, decl);
    }
    for (auto& e : t.body) DeepExpr(*e, used, decl);
  }

  static void DeepExpr(const Expr& e, VarSet& used, VarSet& decl) {
    if (e.term) Deep(*e.term, used, decl);
    if (e.sub) DeepExpr(*e.sub, used, decl);
    for (auto& t : e.terms) Deep(*t, used, decl);
    for (auto& b : e.body) DeepExpr(*b, used, decl);
    for (auto& w : e.withs) Deep(*w.value, used, decl);
    DeclaredBy(e, decl);
  }

  static void NamesOf(const Term& t, VarSet& out) {
    if (t.kind == TermKind::kVar && t.name != "_") out.insert(t.name);
    if (t.kind == TermKind::kArray) {
      for (auto& a : t.args) NamesOf(*a, out);
    }
    if (t.kind == TermKind::kObject) {
      for (size_t i = 1; i < t.args.size(); i += 2) NamesOf(*t.args[i], out);
    }
  }

  // Names an expression declares: `some x`, `x := …`, `some k, v in …`, `every k, v in …`.
  static void DeclaredBy(const Expr& e, VarSet& out) {
    if (e.kind == ExprKind::kSomeDecl) {
      for (auto& t : e.terms) NamesOf(*t, out);
    } else if (e.kind == ExprKind::kSomeIn || e.kind == ExprKind::kEvery) {
      for (size_t i = 0; i + 1 < e.terms.size(); ++i) NamesOf(*e.terms[i], out);
    } else if (e.kind == ExprKind::kTerm && e.term->kind == TermKind::kBinary &&
               e.term->name == ":=") {
      NamesOf(*e.term->args[0], out);
    }
  }

  void AddReads(const TermVars& tv, const VarSet& bound, ExprInfo& info, bool keys_too) const {
    VarSet keys;
    if (!keys_too) {
      for (auto& u : tv.keys) keys.insert(u.name);
    }
    for (auto& u : tv.reads) {
      if (!bound.contains(u.name) && !keys.contains(u.name)) info.needs.push_back(u);
    }
    if (keys_too) {
      for (auto& u : tv.keys) {
        if (!bound.contains(u.name)) info.needs.push_back(u);
      }
    }
  }

  // `lhs = rhs`: one side is the pattern, the other must be evaluable now.
  void Unification(const Term& lhs, const Term& rhs, const VarSet& bound, const VarSet& declared,
                   ExprInfo& info) const {
    std::optional<ExprInfo> first;
    for (auto [pat, val] : {std::pair{&lhs, &rhs}, std::pair{&rhs, &lhs}}) {
      ExprInfo opt;
      TermVars p, v;
      Pattern(*pat, declared, p);
      Collect(*val, declared, v);
      v.reads.insert(v.reads.end(), p.reads.begin(), p.reads.end());
      v.keys.insert(v.keys.end(), p.keys.begin(), p.keys.end());
      AddReads(v, bound, opt, false);
      for (auto& u : p.pats) opt.outputs.insert(u.name);
      for (auto& u : v.keys) opt.outputs.insert(u.name);
      if (opt.needs.empty()) {
        info.needs.clear();
        info.outputs = std::move(opt.outputs);
        return;
      }
      if (!first) first = std::move(opt);
    }
    // `[1, x, 3] = [1, 2, x]`: unknowns on both sides; element pairs are unified in an order
    // where one side of each is known by then.
    std::vector<std::pair<const Term*, const Term*>> pairs;
    if (SplitUnification(lhs, rhs, pairs)) {
      VarSet known = bound;
      std::vector<bool> done(pairs.size(), false);
      for (bool progress = true; progress;) {
        progress = false;
        for (size_t i = 0; i < pairs.size(); ++i) {
          if (done[i]) continue;
          for (auto [pat, val] : {pairs[i], std::pair{pairs[i].second, pairs[i].first}}) {
            TermVars p, v;
            Pattern(*pat, declared, p);
            Collect(*val, declared, v);
            bool ready = true;
            for (auto* l : {&p.reads, &v.reads, &v.keys}) {
              for (auto& u : *l) ready = ready && known.contains(u.name);
            }
            if (!ready) continue;
            for (auto* l : {&p.pats, &p.keys}) {
              for (auto& u : *l) known.insert(u.name);
            }
            done[i] = progress = true;
            break;
          }
        }
      }
      if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) {
        info.needs.clear();
        for (auto& v : known) {
          if (!bound.contains(v)) info.outputs.insert(v);
        }
        return;
      }
    }
    info.needs = std::move(first->needs);
  }

  ExprInfo Analyze(const Expr& e, const VarSet& bound, const VarSet& declared) const {
    ExprInfo info;
    switch (e.kind) {
      case ExprKind::kSomeDecl:
        break;
      case ExprKind::kNot: {
        TermVars tv;
        const Expr& s = *e.sub;
        if (s.term) Collect(*s.term, declared, tv);
        for (auto& t : s.terms) Collect(*t, declared, tv);
        for (auto& w : s.withs) Collect(*w.value, declared, tv);
        AddReads(tv, bound, info, true);
        ExprInfo inner = Analyze(s, bound, declared);
        info.closure = std::move(inner.closure);
        break;
      }
      case ExprKind::kSomeIn:
      case ExprKind::kEvery: {
        TermVars tv;
        for (size_t i = 0; i + 1 < e.terms.size(); ++i) Pattern(*e.terms[i], declared, tv);
        Collect(*e.terms.back(), declared, tv);
        bool every = e.kind == ExprKind::kEvery;
        AddReads(tv, bound, info, every);
        if (!every) {
          for (auto* l : {&tv.pats, &tv.keys}) {
            for (auto& u : *l) info.outputs.insert(u.name);
          }
        } else {
          VarSet decl, kv;
          for (auto& b : e.body) DeepExpr(*b, info.closure, decl);
          for (size_t i = 0; i + 1 < e.terms.size(); ++i) NamesOf(*e.terms[i], kv);
          for (auto& v : decl) info.closure.erase(v);
          for (auto& v : kv) info.closure.erase(v);
        }
        break;
      }
      case ExprKind::kTerm: {
        const Term& t = *e.term;
        if (t.kind == TermKind::kBinary && t.name == ":=") {
          TermVars tv;
          Pattern(*t.args[0], declared, tv);
          Collect(*t.args[1], declared, tv);
          AddReads(tv, bound, info, false);
          for (auto* l : {&tv.pats, &tv.keys}) {
            for (auto& u : *l) info.outputs.insert(u.name);
          }
        } else if (t.kind == TermKind::kBinary && t.name == "=") {
          Unification(*t.args[0], *t.args[1], bound, declared, info);
        } else if (t.kind == TermKind::kCall && HasOutputArg(t)) {
          TermVars tv;
          for (size_t i = 0; i + 1 < t.args.size(); ++i) Collect(*t.args[i], declared, tv);
          Pattern(*t.args.back(), declared, tv);
          AddReads(tv, bound, info, false);
          for (auto* l : {&tv.pats, &tv.keys}) {
            for (auto& u : *l) info.outputs.insert(u.name);
          }
        } else {
          TermVars tv;
          Collect(t, declared, tv);
          AddReads(tv, bound, info, false);
          for (auto& u : tv.keys) info.outputs.insert(u.name);
        }
        break;
      }
    }
    for (auto& t : e.terms) ClosureVars(*t, info.closure);
    if (e.term) ClosureVars(*e.term, info.closure);
    for (auto& w : e.withs) {
      if (NamesFunction(*w.value, declared)) continue;  // `with f as count`
      TermVars tv;
      Collect(*w.value, declared, tv);
      AddReads(tv, bound, info, true);
      ClosureVars(*w.value, info.closure);
    }
    return info;
  }

  // Vars at the top level of a body (outside closures): what closures may capture.
  VarSet TopVars(const Body& body, const VarSet& declared) const {
    VarSet out;
    for (auto& e : body) {
      TermVars tv;
      const Expr& x = e->kind == ExprKind::kNot ? *e->sub : *e;
      if (x.term) Collect(*x.term, declared, tv);
      for (auto& t : x.terms) Collect(*t, declared, tv);
      for (auto* l : {&tv.reads, &tv.keys}) {
        for (auto& u : *l) out.insert(u.name);
      }
    }
    return out;
  }

  Result<Body> Reorder(const Body& body, VarSet& bound, const VarSet& declared_outer) {
    VarSet declared = declared_outer;
    std::map<std::string, size_t> declared_at;  // vars this body declares, by first declaration
    for (size_t i = 0; i < body.size(); ++i) {
      VarSet names;
      DeclaredBy(*body[i], names);
      for (auto& n : names) {
        if (!declared_outer.contains(n)) declared_at.emplace(n, i);
      }
      declared.insert(names.begin(), names.end());
    }
    // OPA: a var read before the `:=` that declares it is an error ("var y referenced above").
    for (size_t j = 0; j < body.size(); ++j) {
      const Expr& e = *body[j];
      if (e.kind != ExprKind::kTerm || e.term->kind != TermKind::kBinary || e.term->name != ":=") {
        continue;
      }
      VarSet names;
      NamesOf(*e.term->args[0], names);
      for (size_t i = 0; i < j; ++i) {
        TermVars tv;
        const Expr& x = body[i]->kind == ExprKind::kNot ? *body[i]->sub : *body[i];
        if (x.term) Collect(*x.term, declared, tv);
        if (x.kind == ExprKind::kSomeIn || x.kind == ExprKind::kEvery) {
          if (!x.terms.empty()) Collect(*x.terms.back(), declared, tv);  // the rest declare
        } else if (x.kind != ExprKind::kSomeDecl) {
          for (auto& t : x.terms) Collect(*t, declared, tv);
        }
        for (auto* l : {&tv.reads, &tv.keys}) {
          for (auto& u : *l) {
            if (names.contains(u.name) && !declared_outer.contains(u.name)) {
              return InvalidArgument(ctx_.file + ":" + std::to_string(u.pos.line) + ":" +
                                     std::to_string(u.pos.col) + ": rego_compile_error: var " +
                                     u.name + " referenced above");
            }
          }
        }
      }
    }
    VarSet body_vars = TopVars(body, declared);
    body_vars.insert(bound.begin(), bound.end());
    std::vector<bool> done(body.size(), false);
    Body out;
    while (out.size() < body.size()) {
      std::optional<Use> first_unsafe;
      bool placed = false;
      for (size_t i = 0; i < body.size() && !placed; ++i) {
        if (done[i]) continue;
        ExprInfo info = Analyze(*body[i], bound, declared);
        for (auto& v : info.closure) {
          // `x := …` declares x from there on: a comprehension before it has its own x.
          if (auto d = declared_at.find(v); d != declared_at.end() && d->second > i) continue;
          if (body_vars.contains(v) && !bound.contains(v)) info.needs.push_back({v, body[i]->pos});
        }
        if (!info.needs.empty()) {
          if (!first_unsafe) first_unsafe = info.needs.front();
          continue;
        }
        ASSIGN_OR_RETURN(auto ne, RewriteExpr(*body[i], bound, declared));
        out.push_back(std::move(ne));
        if (body[i]->kind == ExprKind::kSomeDecl) {
          VarSet names;
          DeclaredBy(*body[i], names);
          for (auto& n : names) bound.erase(n);
        }
        bound.insert(info.outputs.begin(), info.outputs.end());
        done[i] = placed = true;
      }
      if (!placed) return Unsafe(*first_unsafe);
    }
    return out;
  }

  Result<std::shared_ptr<const Expr>> RewriteExpr(const Expr& e, const VarSet& bound,
                                                  const VarSet& declared) {
    auto out = std::make_shared<Expr>(e);
    if (e.term) {
      ASSIGN_OR_RETURN(out->term, RewriteTerm(e.term, bound, declared));
    }
    if (e.sub) {
      ASSIGN_OR_RETURN(out->sub, RewriteExpr(*e.sub, bound, declared));
    }
    for (auto& t : out->terms) {
      ASSIGN_OR_RETURN(t, RewriteTerm(t, bound, declared));
    }
    for (auto& w : out->withs) {
      ASSIGN_OR_RETURN(w.value, RewriteTerm(w.value, bound, declared));
    }
    if (e.kind == ExprKind::kEvery) {
      VarSet inner = bound, decl = declared;
      for (size_t i = 0; i + 1 < e.terms.size(); ++i) {
        NamesOf(*e.terms[i], inner);
        NamesOf(*e.terms[i], decl);
      }
      ASSIGN_OR_RETURN(out->body, Reorder(e.body, inner, decl));
    }
    return std::shared_ptr<const Expr>(out);
  }

  Result<TermPtr> RewriteTerm(const TermPtr& t, const VarSet& bound, const VarSet& declared) {
    if (t->args.empty() && t->body.empty()) return t;
    auto out = std::make_shared<Term>(*t);
    if (!IsCompr(*t)) {
      for (auto& a : out->args) {
        if (a) {
          ASSIGN_OR_RETURN(a, RewriteTerm(a, bound, declared));
        }
      }
      return TermPtr(out);
    }
    VarSet inner = bound;
    ASSIGN_OR_RETURN(out->body, Reorder(t->body, inner, declared));
    VarSet decl = declared;
    for (auto& e : t->body) DeclaredBy(*e, decl);
    for (auto& head : out->args) {
      TermVars tv;
      Collect(*head, decl, tv);
      for (auto* list : {&tv.reads, &tv.keys}) {
        for (auto& u : *list) {
          if (!inner.contains(u.name)) return Unsafe(u);
        }
      }
      ASSIGN_OR_RETURN(head, RewriteTerm(head, inner, decl));
    }
    return TermPtr(out);
  }

  const ModuleCtx& ctx_;
};

}  // namespace

Result<std::shared_ptr<const Rule>> MakeRuleSafe(const Rule& r, const ModuleCtx& ctx) {
  return Safety(ctx).Chain(r);
}

bool SplitUnification(const Term& a, const Term& b,
                      std::vector<std::pair<const Term*, const Term*>>& out) {
  if (a.kind == TermKind::kArray && b.kind == TermKind::kArray && a.args.size() == b.args.size()) {
    for (size_t i = 0; i < a.args.size(); ++i) {
      if (!SplitUnification(*a.args[i], *b.args[i], out))
        out.push_back({a.args[i].get(), b.args[i].get()});
    }
    return true;
  }
  if (a.kind != TermKind::kObject || b.kind != TermKind::kObject ||
      a.args.size() != b.args.size()) {
    return false;
  }
  std::vector<std::pair<const Term*, const Term*>> pairs;
  for (size_t i = 0; i + 1 < a.args.size(); i += 2) {
    if (a.args[i]->kind != TermKind::kScalar) return false;
    const Term* match = nullptr;
    for (size_t j = 0; j + 1 < b.args.size(); j += 2) {
      if (b.args[j]->kind == TermKind::kScalar && b.args[j]->value == a.args[i]->value) {
        match = b.args[j + 1].get();
      }
    }
    if (!match) return false;
    pairs.push_back({a.args[i + 1].get(), match});
  }
  for (auto [x, y] : pairs) {
    if (!SplitUnification(*x, *y, out)) out.push_back({x, y});
  }
  return true;
}

}  // namespace cocoon::policy::rego
