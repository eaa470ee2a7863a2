// Policy compilation (see compile.h): package grouping, imports, safety, call resolution.
#include "policy/rego/compile.h"

#include <algorithm>

#include "policy/rego/safety.h"

namespace cocoon::policy::rego {
namespace {

std::unexpected<Error> FailAt(const ModuleCtx& m, const Pos& p, const std::string& msg) {
  return InvalidArgument(m.file + ":" + std::to_string(p.line) + ":" + std::to_string(p.col) +
                         ": " + msg);
}

std::string Dotted(const std::vector<std::string>& path) {
  std::string s = "data";
  for (auto& p : path) s += "." + p;
  return s;
}

TermPtr ImportTerm(const Import& imp) {
  auto head = std::make_shared<Term>();
  head->kind = TermKind::kVar;
  head->pos = imp.pos;
  head->name = imp.path[0];
  if (imp.path.size() == 1) return head;
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
  return ref;
}

Status AddRule(CompiledPackage& pkg, const ModuleCtx& mod, const Rule* r) {
  auto [it, fresh] = pkg.rules.try_emplace(r->name);
  RuleSet& set = it->second;
  if (fresh) {
    set.name = r->name;
    set.pkg = &pkg;
    set.kind = r->kind;
  }
  std::string full = Dotted(pkg.path) + "." + r->name;
  if (r->is_default && r->kind == RuleKind::kRefHead) {
    if (!set.defs.empty() && set.kind != r->kind) {
      return FailAt(mod, r->pos, "rego_type_error: conflicting rule kinds for " + full);
    }
    for (const RuleDef& d : set.ref_defaults) {
      bool same = d.rule->path.size() == r->path.size();
      for (size_t i = 0; same && i < r->path.size(); ++i) {
        same = d.rule->path[i]->value == r->path[i]->value;
      }
      if (same)
        return FailAt(mod, r->pos, "rego_type_error: multiple default rules " + full + " found");
    }
    set.kind = r->kind;
    set.ref_defaults.push_back(RuleDef{r, &mod});
    return Ok();
  }
  if (r->is_default) {
    if (set.default_def)
      return FailAt(mod, r->pos, "rego_type_error: multiple default rules " + full + " found");
    if (!set.defs.empty() && set.kind != r->kind) {
      return FailAt(mod, r->pos, "rego_type_error: conflicting rule kinds for " + full);
    }
    set.kind = r->kind;
    set.default_def = RuleDef{r, &mod};
    return Ok();
  }
  if (set.defs.empty() && !set.default_def && set.ref_defaults.empty()) set.kind = r->kind;
  // `p[k] := v` and ref heads below p (`p.q contains r`) build one object: a ref-head set.
  auto object_kind = [](RuleKind k) {
    return k == RuleKind::kPartialObject || k == RuleKind::kRefHead;
  };
  if (set.kind != r->kind && object_kind(set.kind) && object_kind(r->kind) && !set.default_def) {
    set.kind = RuleKind::kRefHead;
  }
  if (set.kind != r->kind && !(set.kind == RuleKind::kRefHead && object_kind(r->kind)))
    return FailAt(mod, r->pos, "rego_type_error: conflicting rule kinds for " + full);
  set.defs.push_back(RuleDef{r, &mod});
  return Ok();
}

// ---- call resolution ----

}  // namespace

size_t FunctionArity(const RuleSet& fn) {
  if (!fn.defs.empty()) return fn.defs[0].rule->args.size();
  return fn.default_def ? fn.default_def->rule->args.size() : 0;
}

namespace {

class CallResolver {
 public:
  CallResolver(const CompiledPolicy& cp, std::unordered_map<const rego::Term*, CallTarget>& out)
      : cp_(cp), out_(out) {}

  Status Rule(const rego::Rule& r, const ModuleCtx& m) {
    for (const rego::Rule* alt = &r; alt; alt = alt->else_rule.get()) {
      for (auto& a : alt->args) TRY(Term(*a, m));
      if (alt->key) TRY(Term(*alt->key, m));
      for (auto& p : alt->path) TRY(Term(*p, m));
      if (alt->value) TRY(Term(*alt->value, m));
      TRY(Body(alt->body, m));
    }
    return Ok();
  }

 private:
  Status Body(const rego::Body& body, const ModuleCtx& m) {
    for (auto& e : body) TRY(Expr(*e, m));
    return Ok();
  }

  Status Expr(const rego::Expr& e, const ModuleCtx& m) {
    if (e.term) TRY(Term(*e.term, m));
    if (e.sub) TRY(Expr(*e.sub, m));
    for (auto& t : e.terms) TRY(Term(*t, m));
    TRY(Body(e.body, m));
    for (auto& w : e.withs) TRY(Term(*w.value, m));
    return Ok();
  }

  Status Term(const rego::Term& t, const ModuleCtx& m) {
    if (t.kind == TermKind::kCall) TRY(Resolve(t, m));
    for (auto& a : t.args) {
      if (a) TRY(Term(*a, m));
    }
    return Body(t.body, m);
  }

  // `f`, `data.pkg.f`, `alias.f` (import data.pkg as alias), or a builtin name.
  Status Resolve(const rego::Term& t, const ModuleCtx& m) {
    if (const RuleSet* r = FindUserFunction(cp_, m, t.name)) {
      if (!r->is_function()) {
        return FailAt(m, t.pos, "rego_type_error: " + t.name + " is not a function");
      }
      size_t arity = FunctionArity(*r);
      if (t.args.size() != arity && t.args.size() != arity + 1) {
        return FailAt(m, t.pos,
                      "rego_type_error: " + t.name + ": arity mismatch: expects " +
                          std::to_string(arity) + " arguments, got " +
                          std::to_string(t.args.size()));
      }
      out_[&t] = CallTarget{r, nullptr, t.args.size() == arity + 1};
      return Ok();
    }
    if (t.name == "query_reference_value") {
      out_[&t] = CallTarget{};
      return Ok();
    }
    const Builtin* b = FindBuiltin(t.name);
    if (!b) return FailAt(m, t.pos, "rego_type_error: undefined function " + t.name);
    size_t n = t.args.size();
    bool out = b->arity >= 0 && n == static_cast<size_t>(b->arity) + 1;
    if (b->arity >= 0 && static_cast<size_t>(b->arity) != n && !out) {
      return FailAt(m, t.pos,
                    "rego_type_error: " + t.name + ": arity mismatch: expects " +
                        std::to_string(b->arity) + " arguments, got " + std::to_string(n));
    }
    out_[&t] = CallTarget{nullptr, b, out};
    return Ok();
  }

  const CompiledPolicy& cp_;
  std::unordered_map<const rego::Term*, CallTarget>& out_;
};

Status MakeSafe(CompiledPolicy& cp) {
  for (auto& [path, pkg] : cp.packages) {
    for (auto& [name, set] : pkg.rules) {
      for (RuleDef& d : set.defs) {
        ASSIGN_OR_RETURN(auto safe, MakeRuleSafe(*d.rule, *d.mod));
        d.rule = safe.get();
        cp.owned.push_back(std::move(safe));
      }
      for (RuleDef& d : set.ref_defaults) {
        ASSIGN_OR_RETURN(auto safe, MakeRuleSafe(*d.rule, *d.mod));
        d.rule = safe.get();
        cp.owned.push_back(std::move(safe));
      }
      if (set.default_def) {
        ASSIGN_OR_RETURN(auto safe, MakeRuleSafe(*set.default_def->rule, *set.default_def->mod));
        set.default_def->rule = safe.get();
        cp.owned.push_back(std::move(safe));
      }
    }
  }
  return Ok();
}

}  // namespace

const RuleSet* FindUserFunction(const CompiledPolicy& cp, const ModuleCtx& m,
                                const std::string& name) {
  std::vector<std::string> segs;
  for (size_t b = 0, e; b <= name.size(); b = e + 1) {
    e = name.find('.', b);
    if (e == std::string::npos) e = name.size();
    segs.push_back(name.substr(b, e - b));
  }
  // A full path (package segments, then the rule name, which may itself be dotted for
  // functions with ref heads: `foo.bar(x) := …`). The longest package that has the rule wins.
  auto lookup = [&](std::vector<std::string> path) -> const RuleSet* {
    for (size_t k = path.size(); k-- > 0;) {
      const CompiledPackage* p = cp.FindPackage({path.begin(), path.begin() + k});
      if (!p) continue;
      std::string rule = path[k];
      for (size_t i = k + 1; i < path.size(); ++i) rule += "." + path[i];
      if (auto r = p->rules.find(rule); r != p->rules.end()) return &r->second;
    }
    return nullptr;
  };
  if (segs[0] == "data" && segs.size() >= 2) return lookup({segs.begin() + 1, segs.end()});
  if (auto imp = m.import_paths.find(segs[0]);
      segs.size() > 1 && imp != m.import_paths.end() && imp->second[0] == "data") {
    std::vector<std::string> path(imp->second.begin() + 1, imp->second.end());
    path.insert(path.end(), segs.begin() + 1, segs.end());
    return lookup(path);
  }
  if (segs.size() == 1 || m.pkg) {  // this package: `f`, or a dotted function name `foo.bar`
    if (!m.pkg) return nullptr;
    auto r = m.pkg->rules.find(name);
    if (r != m.pkg->rules.end()) return &r->second;
  }
  return nullptr;
}

const CompiledPackage* CompiledPolicy::FindPackage(const std::vector<std::string>& path) const {
  auto it = packages.find(path);
  return it == packages.end() ? nullptr : &it->second;
}

bool CompiledPolicy::HasPackageUnder(const std::vector<std::string>& prefix) const {
  auto it = packages.lower_bound(prefix);
  return it != packages.end() && it->first.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), it->first.begin());
}

namespace {

const CompiledPackage kQueryPackage;

void QueryVars(const Term& t, std::vector<std::string>& out) {
  if (t.kind == TermKind::kArrayCompr || t.kind == TermKind::kSetCompr ||
      t.kind == TermKind::kObjectCompr) {
    return;  // comprehension variables are local to it
  }
  if (t.kind == TermKind::kVar && t.name != "_" && t.name != "input" && t.name != "data" &&
      std::find(out.begin(), out.end(), t.name) == out.end()) {
    out.push_back(t.name);
  }
  for (auto& a : t.args) {
    if (a) QueryVars(*a, out);
  }
}

void QueryVars(const Expr& e, std::vector<std::string>& out) {
  if (e.term) QueryVars(*e.term, out);
  if (e.sub) QueryVars(*e.sub, out);
  if (e.kind == ExprKind::kEvery) return;
  for (auto& t : e.terms) QueryVars(*t, out);
}

}  // namespace

Result<std::unique_ptr<CompiledQuery>> CompileQuery(const CompiledPolicy& cp, Body body) {
  auto q = std::make_unique<CompiledQuery>();
  q->ctx.file = "query";
  q->ctx.pkg = &kQueryPackage;
  q->ctx.policy = &cp;
  for (auto& e : body) QueryVars(*e, q->vars);
  Rule r;
  r.name = "query";
  r.body = std::move(body);
  ASSIGN_OR_RETURN(q->rule, MakeRuleSafe(r, q->ctx));
  CallResolver calls(cp, q->calls);
  TRY(calls.Rule(*q->rule, q->ctx));
  return q;
}

Result<CompiledPolicy> CompilePolicy(std::vector<Module> modules) {
  CompiledPolicy cp;
  for (Module& m : modules) {
    CompiledPackage& pkg = cp.packages[m.package];
    pkg.path = m.package;
    ModuleCtx& ctx = cp.modules.emplace_back();
    ctx.file = m.file;
    ctx.pkg = &pkg;
    ctx.policy = &cp;  // during compilation only: cp is moved to the caller
    for (auto& imp : m.imports) {
      if (imp.path.empty() || (imp.path[0] != "data" && imp.path[0] != "input")) continue;
      ctx.imports[imp.alias] = ImportTerm(imp);
      ctx.import_paths[imp.alias] = imp.path;
    }
    for (auto& r : m.rules) {
      cp.owned.push_back(r);
      TRY(AddRule(pkg, ctx, r.get()));
    }
  }
  {  // OPA reports an unknown function before an unsafe variable (its output argument)
    std::unordered_map<const rego::Term*, CallTarget> scratch;
    CallResolver pre(cp, scratch);
    for (auto& [path, pkg] : cp.packages) {
      for (auto& [name, set] : pkg.rules) {
        for (const RuleDef& d : set.defs) TRY(pre.Rule(*d.rule, *d.mod));
      }
    }
  }
  TRY(MakeSafe(cp));
  for (ModuleCtx& ctx : cp.modules) ctx.policy = nullptr;
  CallResolver calls(cp, cp.calls);
  for (auto& [path, pkg] : cp.packages) {
    for (auto& [name, set] : pkg.rules) {
      for (const RuleDef& d : set.defs) TRY(calls.Rule(*d.rule, *d.mod));
      if (set.default_def) TRY(calls.Rule(*set.default_def->rule, *set.default_def->mod));
      for (const RuleDef& d : set.ref_defaults) TRY(calls.Rule(*d.rule, *d.mod));
    }
  }
  return cp;
}

}  // namespace cocoon::policy::rego
