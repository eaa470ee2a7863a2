// Rego abstract syntax tree produced by the parser; every node carries its source position.
// Trusts nothing: nodes are plain data, immutable after Parse, shared read-only by evaluations.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/json.h"

namespace cocoon::policy::rego {

struct Pos {
  int line = 1;
  int col = 1;
};

struct Term;
struct Expr;
using TermPtr = std::shared_ptr<const Term>;
using Body = std::vector<std::shared_ptr<const Expr>>;

enum class TermKind {
  kScalar,       // value: null/bool/number/string literal
  kVar,          // name
  kRef,          // head = args[0], path = args[1..] (dot keys are kScalar strings)
  kArray,        // args
  kSet,          // args
  kObject,       // args = k0, v0, k1, v1, ...
  kArrayCompr,   // args[0] head, body
  kSetCompr,     // args[0] head, body
  kObjectCompr,  // args[0] key, args[1] value, body
  kCall,         // name (dotted), args
  kBinary,       // name = operator, args[0], args[1]
  kNeg,          // unary minus, args[0]
  kMember,       // `v in xs` (args = v, xs) or `k, v in xs` (args = k, v, xs)
};

struct Term {
  TermKind kind = TermKind::kScalar;
  Pos pos;
  Json value;
  std::string name;
  std::vector<TermPtr> args;
  Body body;
};

struct With {
  TermPtr target;  // ref rooted at input or data
  TermPtr value;
};

enum class ExprKind {
  kTerm,      // term (incl. := = == ...), succeeds when defined and not false
  kNot,       // not <expr in `sub`>
  kSomeDecl,  // some x, y
  kSomeIn,    // some [k,] v in xs : terms = (k,) v, xs
  kEvery,     // every [k,] v in xs { body } : terms = (k,) v, xs
};

struct Expr {
  ExprKind kind = ExprKind::kTerm;
  Pos pos;
  TermPtr term;
  std::shared_ptr<const Expr> sub;
  std::vector<TermPtr> terms;
  Body body;
  std::vector<With> withs;
};

// kRefHead: `p.q.r := v`, `p[x].y := v`, `p.q contains x` — the rule builds the object `p`
// from every definition's path (`path`) and value (a set of values when `multi`).
enum class RuleKind { kComplete, kPartialSet, kPartialObject, kFunction, kRefHead };

struct Rule {
  RuleKind kind = RuleKind::kComplete;
  Pos pos;
  std::string name;
  bool is_default = false;
  std::vector<TermPtr> args;              // function parameters
  TermPtr key;                            // partial set element / partial object key
  TermPtr value;                          // nullptr means `true`
  std::vector<TermPtr> path;              // kRefHead: head segments after the name
  bool multi = false;                     // kRefHead: `contains` (leaf is a set)
  Body body;                              // empty body always succeeds
  std::shared_ptr<const Rule> else_rule;  // `else [:= v] [if] { ... }`
};

struct Import {
  Pos pos;
  std::vector<std::string> path;  // e.g. {"data", "lib"} or {"input", "x"}
  std::string alias;
};

struct Module {
  std::string file;
  std::vector<std::string> package;  // e.g. {"policy"}
  std::vector<Import> imports;
  std::vector<std::shared_ptr<const Rule>> rules;
  // Rego v1 syntax: `import rego.v1`, or no v0 marker (future.keywords import, rule body
  // without `if`). Decides what `p[x] if …` means (object rule in v1, set rule in v0).
  bool v1 = true;
};

}  // namespace cocoon::policy::rego
