// Rego parser (see parser.h). Recursive descent over the token stream; newlines separate body
// expressions unless inside parentheses, brackets or literal braces.
#include "policy/rego/parser.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "policy/rego/bigint.h"
#include "policy/rego/lexer.h"

namespace cocoon::policy::rego {
namespace {

class Parser {
 public:
  Parser(std::string_view file, std::vector<Token> toks) : file_(file), t_(std::move(toks)) {}

  Result<Module> ParseModule() {
    Module m;
    m.file = std::string(file_);
    if (!IsWord("package")) return Fail("expected 'package'");
    Advance();
    ASSIGN_OR_RETURN(m.package, DottedName());
    while (IsWord("import") && !WordStartsRef()) {
      Import imp;
      imp.pos = Cur().pos;
      Advance();
      ASSIGN_OR_RETURN(imp.path, DottedName());
      if (IsWord("as")) {
        Advance();
        if (Cur().kind != Tok::kIdent) return Fail("expected alias name");
        imp.alias = Advance().text;
      } else {
        imp.alias = imp.path.back();
      }
      if (imp.path.size() == 2 && imp.path[0] == "rego" && imp.path[1] == "v1") explicit_v1_ = true;
      if (imp.path.size() >= 2 && imp.path[0] == "future" && imp.path[1] == "keywords") {
        v0_marker_ = true;
      }
      m.imports.push_back(std::move(imp));
    }
    std::vector<std::shared_ptr<Rule>> rules;
    while (Cur().kind != Tok::kEof) {
      ASSIGN_OR_RETURN(auto rule, ParseRule());
      rules.push_back(std::move(rule));
    }
    m.v1 = explicit_v1_ || !v0_marker_;
    for (auto& r : rules) {
      if (m.v1) SetRuleV1(*r);
      m.rules.push_back(std::move(r));
    }
    return m;
  }

  Result<Body> ParseOnlyBody() {
    Body body;
    while (Cur().kind != Tok::kEof) {
      ASSIGN_OR_RETURN(auto e, ParseExpr());
      body.push_back(e);
      if (IsPunct(";")) {
        Advance();
      } else if (Cur().kind != Tok::kEof && !Cur().nl_before) {
        return Fail("unexpected '" + Cur().text + "'");
      }
    }
    if (body.empty()) return Fail("empty query");
    return body;
  }

  Result<TermPtr> ParseOnlyTerm() {
    ASSIGN_OR_RETURN(auto t, ParseTerm());
    if (Cur().kind != Tok::kEof) return Fail("unexpected '" + Cur().text + "'");
    return t;
  }

 private:
  const Token& Cur() const { return t_[i_]; }
  const Token& Peek(size_t k = 1) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& Advance() {
    const Token& t = t_[i_];
    if (i_ + 1 < t_.size()) ++i_;
    return t;
  }
  bool IsWord(std::string_view w) const { return Cur().kind == Tok::kIdent && Cur().text == w; }
  bool IsPunct(std::string_view p) const { return Cur().kind == Tok::kPunct && Cur().text == p; }
  // In a body, a token on a new line starts a new expression unless inside brackets.
  bool Continues() const { return nest_ > 0 || !Cur().nl_before; }

  std::unexpected<Error> Fail(const std::string& msg) const { return FailAt(Cur().pos, msg); }
  std::unexpected<Error> FailAt(Pos p, const std::string& msg) const {
    return InvalidArgument(std::string(file_) + ":" + std::to_string(p.line) + ":" +
                           std::to_string(p.col) + ": rego_parse_error: " + msg);
  }
  Status Expect(std::string_view p) {
    if (!IsPunct(p)) {
      return Fail("expected '" + std::string(p) + "'" +
                  (Cur().kind == Tok::kEof ? " before end of file" : ""));
    }
    Advance();
    return Ok();
  }

  Result<std::vector<std::string>> DottedName() {
    std::vector<std::string> out;
    if (Cur().kind != Tok::kIdent) return Fail("expected name");
    out.push_back(Advance().text);
    while (IsPunct(".") || IsPunct("[")) {
      if (IsPunct(".")) {
        Advance();
        if (Cur().kind != Tok::kIdent) return Fail("expected name after '.'");
        out.push_back(Advance().text);
      } else {
        Advance();
        if (Cur().kind != Tok::kString) return Fail("expected string");
        out.push_back(Advance().text);
        TRY(Expect("]"));
      }
    }
    return out;
  }

  // A keyword or literal word directly followed by '.' starts a reference (`if.x`, `true.y`).
  bool WordStartsRef() const {
    const Token& n = Peek();
    return Cur().kind == Tok::kIdent && n.kind == Tok::kPunct && n.text == "." && !n.nl_before &&
           n.pos.line == Cur().pos.line &&
           n.pos.col == Cur().pos.col + static_cast<int>(Cur().text.size());
  }

  static bool IsKeyword(std::string_view w) {
    for (auto k : {"package", "import", "default", "if", "else", "not", "some", "every", "in",
                   "contains", "with", "as"}) {
      if (w == k) return true;
    }
    return false;
  }

  // ---- rules ----
  // v1: `p[x] if …` without a value is the single-value object rule `p[x] := true`.
  static void SetRuleV1(Rule& r) {
    for (Rule* alt = &r; alt; alt = const_cast<Rule*>(alt->else_rule.get())) {
      if (alt->kind == RuleKind::kPartialSet && !alt->multi && alt->key) {
        alt->kind = RuleKind::kPartialObject;
      }
    }
  }

  // Head after the rule name: `(args)`, `[key]`, `.a.b[c]…` (ref head), then `contains x`.
  Status ParseHead(Rule& r) {
    if (IsPunct("(") && !Cur().nl_before) {
      Advance();
      r.kind = RuleKind::kFunction;
      ++nest_;
      while (!IsPunct(")")) {
        ASSIGN_OR_RETURN(auto a, ParseTerm());
        r.args.push_back(a);
        if (!IsPunct(",")) break;
        Advance();
      }
      --nest_;
      return Expect(")");
    }
    head_dot_ = false;
    while ((IsPunct("[") || IsPunct(".")) && !Cur().nl_before) {
      if (IsPunct(".")) {
        head_dot_ = true;
        Advance();
        if (Cur().kind != Tok::kIdent) return Fail("expected name after '.'");
        auto k = std::make_shared<Term>();
        k->pos = Cur().pos;
        k->value = Advance().text;
        r.path.push_back(k);
        continue;
      }
      Advance();
      ++nest_;
      ASSIGN_OR_RETURN(auto k, ParseTerm());
      --nest_;
      TRY(Expect("]"));
      r.path.push_back(k);
    }
    if (IsPunct("(") && !Cur().nl_before && !r.path.empty()) {
      // `foo.bar(x) := …`, `foo["bar"](x)`: a function named by a constant ref.
      for (auto& p : r.path) {
        if (p->kind != TermKind::kScalar || !p->value.is_string()) {
          return FailAt(p->pos, "function ref heads must be constant strings");
        }
        r.name += "." + p->value.get<std::string>();
      }
      r.path.clear();
      head_dot_ = false;
      return ParseHead(r);
    }
    if (IsWord("contains")) {
      Advance();
      ASSIGN_OR_RETURN(r.key, ParseMember());
      r.multi = true;
      if (IsPunct(":=") || IsPunct("=")) return Fail("a contains rule has no value");
    }
    return Ok();
  }

  // Sorts a parsed head into a rule kind (see RuleKind).
  Status ClassifyHead(Rule& r) {
    if (r.kind == RuleKind::kFunction) return Ok();
    bool has_value = r.value != nullptr;
    if (r.path.empty()) {
      r.kind = r.multi ? RuleKind::kPartialSet : RuleKind::kComplete;
      return Ok();
    }
    if (r.multi && has_value) return FailAt(r.pos, "a contains rule has no value");
    bool bracket_only = r.path.size() == 1 && !r.multi && !head_dot_;
    if (bracket_only) {  // p[k] := v (object) or p[k] (set in v0, object in v1)
      r.key = r.path[0];
      r.path.clear();
      r.kind = has_value ? RuleKind::kPartialObject : RuleKind::kPartialSet;
      return Ok();
    }
    r.kind = RuleKind::kRefHead;
    return Ok();
  }

  Result<std::shared_ptr<Rule>> ParseRule() {
    auto r = std::make_shared<Rule>();
    r->pos = Cur().pos;
    if (IsWord("default") && !WordStartsRef()) {
      Advance();
      r->is_default = true;
    }
    if (Cur().kind != Tok::kIdent || (IsKeyword(Cur().text) && !WordStartsRef())) {
      return Fail("expected rule name");
    }
    r->name = Advance().text;
    TRY(ParseHead(*r));
    if (!r->multi && (IsPunct(":=") || IsPunct("="))) {
      Advance();
      ASSIGN_OR_RETURN(r->value, ParseTerm());
    }
    TRY(ClassifyHead(*r));
    if (r->is_default) {
      if (!r->value) return FailAt(r->pos, "default rule needs a value");
      bool const_ref = r->kind == RuleKind::kRefHead && !r->multi;
      for (auto& p : r->path) const_ref = const_ref && p->kind == TermKind::kScalar;
      if (r->kind != RuleKind::kComplete && r->kind != RuleKind::kFunction && !const_ref) {
        return FailAt(r->pos, "default rule " + r->name + " must be a complete rule or function");
      }
      return r;
    }
    TRY(ParseRuleBody(*r));
    Rule* tail = r.get();
    while (IsWord("else") && !WordStartsRef()) {
      auto e = std::make_shared<Rule>();
      e->pos = Cur().pos;
      e->kind = r->kind;
      e->name = r->name;
      e->args = r->args;
      e->key = r->key;
      e->path = r->path;
      e->multi = r->multi;
      Advance();
      if (IsPunct(":=") || IsPunct("=")) {
        Advance();
        ASSIGN_OR_RETURN(e->value, ParseTerm());
      }
      TRY(ParseRuleBody(*e));
      tail->else_rule = e;
      tail = e.get();
    }
    return r;
  }

  Status ParseRuleBody(Rule& r) {
    bool has_if = false;
    if (IsWord("if") && !WordStartsRef()) {
      Advance();
      has_if = true;
    }
    if (IsPunct("{")) {
      if (!has_if) v0_marker_ = true;
      Advance();
      ASSIGN_OR_RETURN(r.body, ParseBody("}"));
      return Expect("}");
    }
    if (has_if) {
      ASSIGN_OR_RETURN(auto e, ParseExpr());
      r.body.push_back(e);
    }
    return Ok();
  }

  // Parses expressions up to (not including) the `end` punctuation.
  Result<Body> ParseBody(std::string_view end) {
    int saved = nest_;
    nest_ = 0;
    Body body;
    while (!IsPunct(end)) {
      if (Cur().kind == Tok::kEof) return Fail("expected '" + std::string(end) + "'");
      ASSIGN_OR_RETURN(auto e, ParseExpr());
      body.push_back(e);
      if (IsPunct(";")) {
        Advance();
      } else if (!IsPunct(end) && !Cur().nl_before) {
        return Fail("expected newline, ';' or '" + std::string(end) + "'");
      }
    }
    nest_ = saved;
    if (body.empty()) return Fail("empty body");
    return body;
  }

  // ---- expressions ----
  Result<std::shared_ptr<const Expr>> ParseExpr() {
    if (++depth_ > kMaxDepth) return Fail("nesting too deep");
    auto r = ParseExprInner();
    --depth_;
    return r;
  }

  Result<std::shared_ptr<const Expr>> ParseExprInner() {
    auto e = std::make_shared<Expr>();
    e->pos = Cur().pos;
    if (IsWord("not") && !WordStartsRef()) {
      Advance();
      e->kind = ExprKind::kNot;
      ASSIGN_OR_RETURN(e->sub, ParseExpr());
      return std::shared_ptr<const Expr>(e);
    }
    if ((IsWord("some") || IsWord("every")) && !WordStartsRef()) {
      bool every = IsWord("every");
      Advance();
      while (true) {
        ASSIGN_OR_RETURN(auto t, ParseRelation());
        e->terms.push_back(t);
        if (!IsPunct(",")) break;
        Advance();
      }
      if (IsWord("in")) {
        Advance();
        if (e->terms.size() > 2) return Fail("too many variables before 'in'");
        ASSIGN_OR_RETURN(auto coll, ParseRelation());
        e->terms.push_back(coll);
        e->kind = every ? ExprKind::kEvery : ExprKind::kSomeIn;
      } else {
        if (every) return Fail("expected 'in'");
        for (auto& t : e->terms) {
          if (t->kind != TermKind::kVar) return FailAt(t->pos, "expected variable after 'some'");
        }
        e->kind = ExprKind::kSomeDecl;
      }
      if (every) {
        TRY(Expect("{"));
        ASSIGN_OR_RETURN(e->body, ParseBody("}"));
        TRY(Expect("}"));
      }
    } else {
      ASSIGN_OR_RETURN(e->term, ParseTerm());
    }
    while (IsWord("with") && !WordStartsRef()) {
      Advance();
      With w;
      ASSIGN_OR_RETURN(w.target, ParsePostfix());
      if (!IsWord("as")) return Fail("expected 'as'");
      Advance();
      ASSIGN_OR_RETURN(w.value, ParseRelation());
      e->withs.push_back(std::move(w));
    }
    return std::shared_ptr<const Expr>(e);
  }

  // ---- terms, by precedence ----
  TermPtr Binary(Pos p, std::string op, TermPtr a, TermPtr b) {
    auto t = std::make_shared<Term>();
    t->kind = TermKind::kBinary;
    t->pos = p;
    t->name = std::move(op);
    t->args = {std::move(a), std::move(b)};
    return t;
  }

  // term := membership ((":=" | "=") membership)?
  Result<TermPtr> ParseTerm() {
    if (++depth_ > kMaxDepth) return Fail("nesting too deep");
    auto r = ParseAssign();
    --depth_;
    return r;
  }

  Result<TermPtr> ParseAssign() {
    ASSIGN_OR_RETURN(auto lhs, ParseMember());
    if ((IsPunct(":=") || IsPunct("=")) && Continues()) {
      Pos p = Cur().pos;
      std::string op = Advance().text;
      ASSIGN_OR_RETURN(auto rhs, ParseMember());
      return Binary(p, op, lhs, rhs);
    }
    return lhs;
  }

  Result<TermPtr> ParseMember() {
    ASSIGN_OR_RETURN(auto lhs, ParseRelation());
    std::vector<TermPtr> parts = {lhs};
    if (IsPunct(",") && nest_ == 0 && !Cur().nl_before) {
      // `k, v in xs` as an expression
      Advance();
      ASSIGN_OR_RETURN(auto v, ParseRelation());
      parts.push_back(v);
      if (!IsWord("in")) return Fail("expected 'in'");
    }
    while (IsWord("in") && Continues()) {
      Pos p = Cur().pos;
      Advance();
      ASSIGN_OR_RETURN(auto coll, ParseRelation());
      auto t = std::make_shared<Term>();
      t->kind = TermKind::kMember;
      t->pos = p;
      t->args = parts;
      t->args.push_back(coll);
      parts = {t};
    }
    return parts[0];
  }

  Result<TermPtr> ParseRelation() {
    ASSIGN_OR_RETURN(auto lhs, ParseBitOr());
    while (Cur().kind == Tok::kPunct && Continues() &&
           (Cur().text == "==" || Cur().text == "!=" || Cur().text == "<" || Cur().text == "<=" ||
            Cur().text == ">" || Cur().text == ">=")) {
      Pos p = Cur().pos;
      std::string op = Advance().text;
      ASSIGN_OR_RETURN(auto rhs, ParseBitOr());
      lhs = Binary(p, op, lhs, rhs);
    }
    return lhs;
  }

  Result<TermPtr> ParseBitOr() {
    ASSIGN_OR_RETURN(auto lhs, ParseBitAnd());
    while (IsPunct("|") && !no_bar_ && Continues()) {
      Pos p = Advance().pos;
      ASSIGN_OR_RETURN(auto rhs, ParseBitAnd());
      lhs = Binary(p, "|", lhs, rhs);
    }
    return lhs;
  }

  Result<TermPtr> ParseBitAnd() {
    ASSIGN_OR_RETURN(auto lhs, ParseArith());
    while (IsPunct("&") && Continues()) {
      Pos p = Advance().pos;
      ASSIGN_OR_RETURN(auto rhs, ParseArith());
      lhs = Binary(p, "&", lhs, rhs);
    }
    return lhs;
  }

  Result<TermPtr> ParseArith() {
    ASSIGN_OR_RETURN(auto lhs, ParseFactor());
    while ((IsPunct("+") || IsPunct("-")) && Continues()) {
      Pos p = Cur().pos;
      std::string op = Advance().text;
      ASSIGN_OR_RETURN(auto rhs, ParseFactor());
      lhs = Binary(p, op, lhs, rhs);
    }
    return lhs;
  }

  Result<TermPtr> ParseFactor() {
    ASSIGN_OR_RETURN(auto lhs, ParseUnary());
    while ((IsPunct("*") || IsPunct("/") || IsPunct("%")) && Continues()) {
      Pos p = Cur().pos;
      std::string op = Advance().text;
      ASSIGN_OR_RETURN(auto rhs, ParseUnary());
      lhs = Binary(p, op, lhs, rhs);
    }
    return lhs;
  }

  Result<TermPtr> ParseUnary() {
    if (IsPunct("-")) {
      Pos p = Advance().pos;
      if (++depth_ > kMaxDepth) return Fail("nesting too deep");
      auto inner = ParseUnary();
      --depth_;
      if (!inner) return inner;
      auto t = std::make_shared<Term>();
      if ((*inner)->kind == TermKind::kScalar && (*inner)->value.is_number()) {
        t->kind = TermKind::kScalar;
        t->pos = p;
        const Json& v = (*inner)->value;
        t->value = v.is_number_float() ? Json(-v.get<double>()) : Json(-v.get<int64_t>());
        return TermPtr(t);
      }
      if (auto lit = LiteralText((*inner)->value)) {  // -2e308 is a literal too
        t->kind = TermKind::kScalar;
        t->pos = p;
        t->value = *IntegerFromLiteral(lit->starts_with('-') ? lit->substr(1) : "-" + *lit);
        return TermPtr(t);
      }
      t->kind = TermKind::kNeg;
      t->pos = p;
      t->args = {*inner};
      return TermPtr(t);
    }
    return ParsePostfix();
  }

  // primary followed by .name, [term], (args)
  Result<TermPtr> ParsePostfix() {
    ASSIGN_OR_RETURN(auto base, ParsePrimary());
    std::vector<TermPtr> path;
    while (!Cur().nl_before || nest_ > 0) {
      if (IsPunct(".")) {
        Advance();
        if (Cur().kind != Tok::kIdent) return Fail("expected name after '.'");
        auto k = std::make_shared<Term>();
        k->pos = Cur().pos;
        k->value = Advance().text;
        path.push_back(k);
      } else if (IsPunct("[")) {
        Advance();
        ++nest_;
        bool saved = no_bar_;
        no_bar_ = false;
        ASSIGN_OR_RETURN(auto k, ParseTerm());
        no_bar_ = saved;
        --nest_;
        TRY(Expect("]"));
        path.push_back(k);
      } else if (IsPunct("(") && base->kind == TermKind::kVar) {
        std::string name = base->name;
        for (auto& p : path) {
          if (p->kind != TermKind::kScalar || !p->value.is_string()) {
            return FailAt(p->pos, "invalid function name");
          }
          name += "." + p->value.get<std::string>();
        }
        auto call = std::make_shared<Term>();
        call->kind = TermKind::kCall;
        call->pos = base->pos;
        call->name = name;
        Advance();
        ++nest_;
        while (!IsPunct(")")) {
          ASSIGN_OR_RETURN(auto a, ParseTerm());
          call->args.push_back(a);
          if (!IsPunct(",")) break;
          Advance();
        }
        --nest_;
        TRY(Expect(")"));
        base = call;
        path.clear();
      } else {
        break;
      }
    }
    if (path.empty()) return base;
    auto ref = std::make_shared<Term>();
    ref->kind = TermKind::kRef;
    ref->pos = base->pos;
    ref->args.push_back(base);
    for (auto& p : path) ref->args.push_back(p);
    return TermPtr(ref);
  }

  Result<TermPtr> ParsePrimary() {
    auto t = std::make_shared<Term>();
    t->pos = Cur().pos;
    const Token& tok = Cur();
    switch (tok.kind) {
      case Tok::kEof:
        return Fail("unexpected end of file");
      case Tok::kString:
        t->value = Advance().text;
        return TermPtr(t);
      case Tok::kNumber: {
        const std::string& s = Advance().text;
        if (s.find_first_of(".eE") == std::string::npos) {
          int64_t v = 0;
          auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
          if (ec == std::errc() && p == s.data() + s.size()) {
            t->value = v;
            return TermPtr(t);
          }
          if (auto big = IntegerFromText(s)) {  // beyond int64: exact (bigint.h)
            t->value = std::move(*big);
            return TermPtr(t);
          }
        }
        t->value = std::strtod(s.c_str(), nullptr);
        if (std::isinf(t->value.get<double>())) {  // beyond double: exact, text kept (bigint.h)
          if (auto big = IntegerFromLiteral(s)) t->value = std::move(*big);
        }
        return TermPtr(t);
      }
      case Tok::kIdent:
        if (WordStartsRef()) {
          t->kind = TermKind::kVar;
          t->name = Advance().text;
        } else if (tok.text == "true" || tok.text == "false") {
          t->value = Advance().text == "true";
        } else if (tok.text == "null") {
          Advance();
          t->value = nullptr;
        } else if (IsKeyword(tok.text) && tok.text != "contains") {  // contains() builtin
          return Fail("unexpected keyword '" + tok.text + "'");
        } else {
          t->kind = TermKind::kVar;
          t->name = Advance().text;
        }
        return TermPtr(t);
      case Tok::kPunct:
        break;
    }
    if (IsPunct("(")) {
      Advance();
      ++nest_;
      bool saved = no_bar_;
      no_bar_ = false;
      ASSIGN_OR_RETURN(auto inner, ParseTerm());
      if (IsPunct(",")) {  // `(k, v in xs)`: key-value membership in parentheses
        Advance();
        ASSIGN_OR_RETURN(auto v, ParseRelation());
        if (!IsWord("in")) return Fail("expected 'in'");
        Pos p = Cur().pos;
        Advance();
        ASSIGN_OR_RETURN(auto coll, ParseRelation());
        auto m = std::make_shared<Term>();
        m->kind = TermKind::kMember;
        m->pos = p;
        m->args = {inner, v, coll};
        inner = m;
        while (IsWord("in")) {
          Pos q = Cur().pos;
          Advance();
          ASSIGN_OR_RETURN(auto c2, ParseRelation());
          auto m2 = std::make_shared<Term>();
          m2->kind = TermKind::kMember;
          m2->pos = q;
          m2->args = {inner, c2};
          inner = m2;
        }
      }
      no_bar_ = saved;
      --nest_;
      TRY(Expect(")"));
      return inner;
    }
    if (IsPunct("[")) return ParseCollection(t, "]");
    if (IsPunct("{")) return ParseCollection(t, "}");
    return Fail("unexpected '" + tok.text + "'");
  }

  // [ ... ] or { ... }: literal or comprehension.
  Result<TermPtr> ParseCollection(std::shared_ptr<Term> t, std::string_view close) {
    if (++depth_ > kMaxDepth) return Fail("nesting too deep");
    Advance();
    ++nest_;
    bool saved_bar = no_bar_;
    bool is_array = close == "]";
    t->kind = is_array ? TermKind::kArray : TermKind::kObject;
    bool first = true;
    while (!IsPunct(close)) {
      no_bar_ = true;
      ASSIGN_OR_RETURN(auto k, ParseTerm());
      if (!is_array && IsPunct(":")) {
        Advance();
        ASSIGN_OR_RETURN(auto v, ParseTerm());
        if (!first && t->kind != TermKind::kObject) return Fail("mixed set and object");
        t->args.push_back(k);
        t->args.push_back(v);
      } else {
        if (!is_array) {
          if (!first && t->kind != TermKind::kSet) return Fail("expected ':'");
          t->kind = TermKind::kSet;
        }
        t->args.push_back(k);
      }
      no_bar_ = saved_bar;
      if (first && IsPunct("|")) {
        Advance();
        t->kind = is_array                       ? TermKind::kArrayCompr
                  : t->kind == TermKind::kObject ? TermKind::kObjectCompr
                                                 : TermKind::kSetCompr;
        ASSIGN_OR_RETURN(t->body, ParseBody(close));
        break;
      }
      first = false;
      if (!IsPunct(",")) break;
      Advance();
    }
    no_bar_ = saved_bar;
    --nest_;
    --depth_;
    TRY(Expect(close));
    return TermPtr(t);
  }

  std::string_view file_;
  std::vector<Token> t_;
  size_t i_ = 0;
  int nest_ = 0;
  int depth_ = 0;
  bool no_bar_ = false;
  bool head_dot_ = false;     // the rule head being parsed has a `.name` segment
  bool explicit_v1_ = false;  // import rego.v1
  bool v0_marker_ = false;    // import future.keywords…, or a rule body without `if`
};

}  // namespace

Result<Module> Parse(std::string_view file, std::string_view src) {
  if (src.size() > kMaxSourceBytes) {
    return InvalidArgument(std::string(file) + ":1:1: rego_parse_error: policy larger than " +
                           std::to_string(kMaxSourceBytes) + " bytes");
  }
  ASSIGN_OR_RETURN(auto toks, Lex(file, src));
  return Parser(file, std::move(toks)).ParseModule();
}

Result<Body> ParseQueryBody(std::string_view src) {
  if (src.size() > 4096) return InvalidArgument("query: rego_parse_error: query too long");
  ASSIGN_OR_RETURN(auto toks, Lex("query", src));
  return Parser("query", std::move(toks)).ParseOnlyBody();
}

Result<TermPtr> ParseQuery(std::string_view src) {
  if (src.size() > 4096) return InvalidArgument("query too long");
  ASSIGN_OR_RETURN(auto toks, Lex("query", src));
  return Parser("query", std::move(toks)).ParseOnlyTerm();
}

}  // namespace cocoon::policy::rego
