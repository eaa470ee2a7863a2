// Rego language semantics table (undefined vs false, conflicts, partial rules, every, with,
// else, comprehensions) and malformed-policy errors with line:column.
#include <gtest/gtest.h>

#include "policy/rego_engine.h"

namespace cocoon::policy {
namespace {

Json J(std::string_view s) { return *base::ParseJson(s); }

Result<Json> Eval(std::string_view src, std::string_view query, const Json& input = {}) {
  auto p = NewRegoEngine()->Compile("t.rego", src);
  if (!p) return std::unexpected(p.error());
  return (*p)->Query(query, input, Json::object());
}

struct Case {
  const char* name;
  const char* src;
  const char* query;
  const char* input;
  const char* want;  // JSON; "null" = undefined
};

TEST(RegoSemantics, Table) {
  const Case cases[] = {
      {"undefined ref fails body", "package p\nx if { input.missing.deep == 1 }", "data.p.x", "{}",
       "null"},
      {"not undefined is true", "package p\nx if { not input.missing }", "data.p.x", "{}", "true"},
      {"not false is true", "package p\nx if { not input.f }", "data.p.x", R"({"f":false})",
       "true"},
      {"false fails body", "package p\nx if { input.f }", "data.p.x", R"({"f":false})", "null"},
      {"default when no body", "package p\ndefault x := 7\nx := 1 if { input.a }", "data.p.x", "{}",
       "7"},
      {"default not used when defined", "package p\ndefault x := 7\nx := 1 if { input.a }",
       "data.p.x", R"({"a":true})", "1"},
      {"partial set union",
       "package p\ns contains x if { some x in input.a }\ns contains \"z\" if { true }", "data.p.s",
       R"({"a":["b","a","b"]})", R"(["a","b","z"])"},
      {"partial set v0", "package p\ns[x] { x := input.a[_] }", "data.p.s", R"({"a":[2,1]})",
       "[1,2]"},
      {"partial object", "package p\no[k] := v if { some k, v in input }", "data.p.o",
       R"({"a":1,"b":2})", R"({"a":1,"b":2})"},
      {"every over empty", "package p\nx if { every v in input.a { v > 1 } }", "data.p.x",
       R"({"a":[]})", "true"},
      {"every fails", "package p\nx if { every v in input.a { v > 1 } }", "data.p.x",
       R"({"a":[2,1]})", "null"},
      {"every holds", "package p\nx if { every k, v in input.a { v > k } }", "data.p.x",
       R"({"a":[2,3]})", "true"},
      {"with input override", "package p\ny if input.a == 1\nx if { y with input.a as 1 }",
       "data.p.x", R"({"a":2})", "true"},
      {"with rule override", "package p\ny := 1\nx := z if { z := y with data.p.y as 5 }",
       "data.p.x", "{}", "5"},
      {"else chain",
       "package p\nx := 1 if { input.a == 1 } else := 2 if { input.a == 2 } else := 3", "data.p.x",
       R"({"a":2})", "2"},
      {"else falls through", "package p\nx := 1 if { input.a == 1 } else := 3", "data.p.x",
       R"({"a":9})", "3"},
      {"array comprehension with unification", "package p\nx := [n | [n, \"y\"] = input.pairs[_]]",
       "data.p.x", R"({"pairs":[[1,"y"],[2,"n"],[3,"y"]]})", "[1,3]"},
      {"set comprehension", "package p\nx := {v | v := input.a[_] % 2}", "data.p.x",
       R"({"a":[1,2,3]})", "[0,1]"},
      {"object comprehension", "package p\nx := {k: v | some k, v in input; v > 1}", "data.p.x",
       R"({"a":1,"b":2})", R"({"b":2})"},
      {"function", "package p\nf(a) := a * 2\nx := f(21)", "data.p.x", "{}", "42"},
      {"function if", "package p\nf(a) := \"big\" if { a > 10 }\nx := f(3)", "data.p.x", "{}",
       "null"},
      {"in operator", "package p\nx if \"b\" in input.a", "data.p.x", R"({"a":["a","b"]})", "true"},
      {"some iteration", "package p\nx contains i if { some i; input.a[i] > 1 }", "data.p.x",
       R"({"a":[0,5,7]})", "[1,2]"},
      {"arithmetic", "package p\nx := (1 + 2) * 3 - 4 / 2", "data.p.x", "{}", "7"},
      {"sprintf", "package p\nx := sprintf(\"%s-%d-%v\", [\"a\", 3, [1]])", "data.p.x", "{}",
       "\"a-3-[1]\""},
      {"builtins",
       "package p\nx := [count(\"héllo\"), upper(\"a\"), concat(\",\", split(\"a.b\", \".\"))]",
       "data.p.x", "{}", R"([5,"A","a,b"])"},
      {"regex", "package p\nx := regex.match(\"^a+b$\", \"aab\")", "data.p.x", "{}", "true"},
      {"object.union_n", "package p\nx := object.union_n([{\"a\": 1}, {\"b\": 2}, {\"a\": 3}])",
       "data.p.x", "{}", R"({"a":3,"b":2})"},
      {"set ops", "package p\nx := {1, 2, 3} - {2} | {9}", "data.p.x", "{}", "[1,3,9]"},
      {"set membership lookup", "package p\nallowed := {\"a\", \"b\"}\nx if allowed[input.v]",
       "data.p.x", R"({"v":"b"})", "true"},
      {"glob and semver",
       "package p\nx := [glob.match(\"*.example.com\", [\".\"], \"a.example.com\"),\n"
       "glob.match(\"*.com\", [\".\"], \"a.b.com\"), semver.compare(\"1.2.3\", \"1.10.0\"),\n"
       "semver.compare(\"1.0.0-rc1\", \"1.0.0\"), semver.is_valid(\"1.x\")]",
       "data.p.x", "{}", "[true,false,-1,-1,false]"},
      {"numbers beyond float64 are exact (OPA's are decimals)",
       "package p\nx := [1][1e999 - 1e999]", "data.p.x", "{}", "1"},
      {"more builtins",
       "package p\nx := [indexof(\"abc\", \"c\"), substring(\"abcdef\", 1, 3),\n"
       "array.reverse([1, 2]), object.remove({\"a\": 1, \"b\": 2}, [\"a\"]), numbers.range(1, 3)]",
       "data.p.x", "{}", R"([2,"bcd",[2,1],{"b":2},[1,2,3]])"},
      {"print and replace",
       "package p\nx := regex.replace(\"a1b22\", \"[0-9]+\", \"#\") if print(\"dbg\", 1)",
       "data.p.x", "{}", "\"a#b#\""},
      {"v0 syntax and literals",
       "package p\nimport future.keywords.in\ndeny[msg] {\n  c := input.cs[_]  # comment\n"
       "  not startswith(c, \"ok\")\n  msg := sprintf(\"bad %s\", [c])\n}\n"
       "f(x) = y { y := x + 1 }\nx := [count(deny), f(1), {\"a\": 1,}[\"a\"], count(set())]",
       "data.p.x", R"({"cs":["ok1","no"]})", "[1,2,1,0]"},
      {"data package object", "package p\na := 1\nb if false", "data.p", "{}", R"({"a":1})"},
      {"raw string and escapes", "package p\nx := [`a\\b`, \"\\u00e9\\n\"]", "data.p.x", "{}",
       R"(["a\\b","é\n"])"},
      {"import alias", "package p\nimport input.sub as s\nx := s.v", "data.p.x",
       R"({"sub":{"v":4}})", "4"},
      {"json and base64", "package p\nx := json.unmarshal(base64.decode(\"eyJhIjoxfQ==\")).a",
       "data.p.x", "{}", "1"},
  };
  for (const auto& c : cases) {
    auto r = Eval(c.src, c.query, J(c.input));
    ASSERT_TRUE(r) << c.name << ": " << r.error().message();
    EXPECT_EQ(*r, J(c.want)) << c.name;
  }
}

TEST(RegoSemantics, ConflictingCompleteRuleIsError) {
  auto r = Eval("package p\nx := 1 if true\nx := 2 if true\n", "data.p.x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_NE(r.error().message().find("multiple outputs"), std::string::npos);
  // Same value twice is not a conflict.
  auto ok = Eval("package p\nx := 1 if true\nx := 1 if true\n", "data.p.x");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, Json(1));
}

struct BadCase {
  const char* src;
  const char* where;  // expected "line:col" prefix
};

TEST(RegoSemantics, MalformedPoliciesReportLineAndColumn) {
  const BadCase cases[] = {
      {"package p\nallow if {\n  input.x ==\n", "t.rego:4:1:"},
      {"package p\nallow if {\n    input.x == 1\n", "t.rego:4:1:"},
      {"allow := true", "t.rego:1:1:"},
      {"package p\nx := \"unterminated\n", "t.rego:2:6:"},
      {"package p\nx := 1 @ 2", "t.rego:2:8:"},
      {"package p\nx := nosuch.fn(1)", "t.rego:2:6:"},
      {"package p\nx if { a := [1, 2 }", "t.rego:2:19:"},
  };
  for (const auto& c : cases) {
    auto p = NewRegoEngine()->Compile("t.rego", c.src);
    ASSERT_FALSE(p) << c.src;
    EXPECT_EQ(p.error().code(), Code::kInvalidArgument);
    EXPECT_TRUE(p.error().message().starts_with(c.where)) << c.src << " -> " << p.error().message();
  }
}

TEST(RegoSemantics, DeepNestingIsRejectedNotCrashing) {
  std::string src = "package p\nx := " + std::string(10000, '[') + "1" + std::string(10000, ']');
  auto p = NewRegoEngine()->Compile("t.rego", src);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message().find("nesting too deep"), std::string::npos);
  auto big = NewRegoEngine()->Compile("t.rego", std::string((1 << 20) + 1, ' '));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code(), Code::kInvalidArgument);
}

TEST(RegoSemantics, UnknownQueryIsUndefined) {
  auto r = Eval("package p\nx := 1", "data.p.nope");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_null());
}

// ---- several modules per policy ----

struct ModulesCase {
  const char* name;
  std::vector<std::pair<const char*, const char*>> files;  // id, source
  const char* query;
  const char* want;  // JSON; "undefined" = undefined
};

Result<std::optional<Json>> EvalModules(const std::vector<std::pair<const char*, const char*>>& fs,
                                        std::string_view query, const Json* input) {
  std::vector<PolicySource> srcs;
  for (auto& [id, text] : fs) srcs.push_back({id, text});
  auto p = NewRegoEngine()->CompileModules(srcs);
  if (!p) return std::unexpected(p.error());
  return (*p)->Evaluate(query, input, Json::object());
}

TEST(RegoSemantics, SeveralModules) {
  const ModulesCase cases[] = {
      {"import across packages",
       {{"a.rego", "package a\nimport data.lib\nallow if lib.ok"},
        {"lib.rego", "package lib\nok if input.x == 1"}},
       "data.a.allow",
       "true"},
      {"full data ref to other package",
       {{"a.rego", "package a\nv := data.lib.limits.max + 1"},
        {"lib.rego", "package lib\nlimits := {\"max\": 9}"}},
       "data.a.v",
       "10"},
      {"one package split over files",
       {{"p1.rego", "package p\ns contains 1\nx := count(s)"},
        {"p2.rego", "package p\ns contains 2"}},
       "data.p.x",
       "2"},
      {"default in one file, rule in another",
       {{"p1.rego", "package p\ndefault allow := false"},
        {"p2.rego", "package p\nallow if input.x == 1"}},
       "data.p.allow",
       "true"},
      {"function in another package, via data and via alias",
       {{"a.rego",
         "package a\nimport data.util.strings as s\nv := [data.util.strings.twice(2), s.twice(3)]"},
        {"u.rego", "package util.strings\ntwice(n) := n * 2"}},
       "data.a.v",
       "[4,6]"},
      {"imports are per module",
       {{"a.rego", "package p\nimport input.sub as q\nx := q.v"},
        {"b.rego", "package p\ny := x + 1"}},
       "data.p.y",
       "8"},
      {"nested packages form the data tree",
       {{"a.rego", "package x\na := 1"}, {"b.rego", "package x.y\nb := 2"}},
       "data.x",
       R"({"a":1,"y":{"b":2}})"},
      {"whole package with undefined rule left out",
       {{"a.rego", "package x\na := 1\nb if false"}},
       "data.x",
       R"({"a":1})"},
      {"with overrides a rule of another package",
       {{"a.rego", "package a\nv := y if { y := data.b.r with data.b.r as 5 }"},
        {"b.rego", "package b\nr := 1"}},
       "data.a.v",
       "5"},
  };
  Json input = J(R"({"x":1,"sub":{"v":7}})");
  for (const auto& c : cases) {
    auto r = EvalModules(c.files, c.query, &input);
    ASSERT_TRUE(r) << c.name << ": " << r.error().message();
    ASSERT_TRUE(r->has_value()) << c.name;
    EXPECT_EQ(**r, J(c.want)) << c.name;
  }
}

TEST(RegoSemantics, ModuleErrorsNameTheirFile) {
  const ModulesCase cases[] = {
      {"parse error",
       {{"ok.rego", "package a\nx := 1"}, {"bad.rego", "package b\ny := (1"}},
       "",
       "bad.rego:2:8:"},
      {"unknown function in second file",
       {{"ok.rego", "package a\nx := 1"}, {"bad.rego", "package b\n\ny := nope(1)"}},
       "",
       "bad.rego:3:6: rego_type_error: undefined function nope"},
      {"conflicting defaults across files",
       {{"a.rego", "package p\ndefault x := 1"}, {"b.rego", "package p\ndefault x := 2"}},
       "",
       "b.rego:2:1: rego_type_error: multiple default rules data.p.x found"},
      {"conflicting kinds across files",
       {{"a.rego", "package p\nx := 1"}, {"b.rego", "package p\nx contains 2"}},
       "",
       "b.rego:2:1: rego_type_error: conflicting rule kinds for data.p.x"},
      {"call of a non-function",
       {{"a.rego", "package p\nx := 1\ny := data.p.x(1)"}},
       "",
       "a.rego:3:6: rego_type_error: data.p.x is not a function"},
  };
  for (const auto& c : cases) {
    auto r = EvalModules(c.files, "data.a.x", nullptr);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << c.name;
    EXPECT_TRUE(r.error().message().starts_with(c.want)) << c.name << ": " << r.error().message();
  }
}

// ---- undefined vs null ----

TEST(RegoSemantics, EvaluateTellsUndefinedFromNull) {
  auto p = NewRegoEngine()->Compile("t.rego",
                                    "package p\nn := null\nu if false\nd := input.a\nall := input");
  ASSERT_TRUE(p) << p.error().message();
  Json input = J(R"({"a":null})");
  Json data = Json::object();
  auto n = (*p)->Evaluate("data.p.n", &input, data);
  ASSERT_TRUE(n);
  ASSERT_TRUE(n->has_value());
  EXPECT_TRUE((*n)->is_null());
  auto u = (*p)->Evaluate("data.p.u", &input, data);
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->has_value());
  auto d = (*p)->Evaluate("data.p.d", &input, data);
  ASSERT_TRUE(d && d->has_value());
  EXPECT_TRUE((*d)->is_null());
  // No input at all: input is undefined, not null.
  auto none = (*p)->Evaluate("data.p.all", nullptr, data);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  // Query keeps returning null for undefined.
  auto q = (*p)->Query("data.p.u", input, data);
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->is_null());
}

// ---- compile-time safety ----

TEST(RegoSemantics, BodiesAreReorderedForSafety) {
  const Case cases[] = {
      {"ref key bound later", "package p\nx contains v if { i > 0; v := input.a[i] }", "data.p.x",
       R"({"a":[5,6,7]})", "[6,7]"},
      {"not after its binding", "package p\nx contains v if { not v == 2; some v in input.a }",
       "data.p.x", R"({"a":[1,2,3]})", "[1,3]"},
      {"comprehension captures a var bound later by =",
       "package p\nx := c if { c := [y | some y in input.a; y > m]; m = 1 }", "data.p.x",
       R"({"a":[1,2,3]})", "[2,3]"},
      {"function args are bound", "package p\nf(a) := b if { b := a + c; c = 1 }\nx := f(1)",
       "data.p.x", "{}", "2"},
  };
  for (const auto& c : cases) {
    auto r = Eval(c.src, c.query, J(c.input));
    ASSERT_TRUE(r) << c.name << ": " << r.error().message();
    EXPECT_EQ(*r, J(c.want)) << c.name;
  }
}

TEST(RegoSemantics, UnsafeVarsAreCompileErrors) {
  const BadCase cases[] = {
      {"package p\nx if { y > 1 }", "t.rego:2:8: rego_unsafe_var_error: var y is unsafe"},
      {"package p\nx := y if { input.a }", "t.rego:2:6: rego_unsafe_var_error: var y is unsafe"},
      {"package p\nx contains k if { input.a }",
       "t.rego:2:12: rego_unsafe_var_error: var k is unsafe"},
      {"package p\nx if { not input.a[i] }", "t.rego:2:20: rego_unsafe_var_error: var i is unsafe"},
      {"package p\nx := [z | input.a[_]]", "t.rego:2:7: rego_unsafe_var_error: var z is unsafe"},
      {"package p\nx if { every v in input.a { v > w } }",
       "t.rego:2:33: rego_unsafe_var_error: var w is unsafe"},
      {"package p\nf(a) := b\nx := f(1)", "t.rego:2:9: rego_unsafe_var_error: var b is unsafe"},
      {"package p\ndefault x := y", "t.rego:2:14: rego_unsafe_var_error: var y is unsafe"},
      {"package p\nx if { a = b }", "t.rego:2:12: rego_unsafe_var_error: var b is unsafe"},
      {"package p\nx if { count(input.a) == n } else := 2",
       "t.rego:2:26: rego_unsafe_var_error: var n is unsafe"},
      // OPA: `:=` declares from there on; a read before it is an error, and a comprehension
      // before it has a var of its own (unbound here).
      {"package p\nx if { y > 1; y := input.v }",
       "t.rego:2:8: rego_compile_error: var y referenced above"},
      {"package p\nx := c if { c := [y | some y in input.a; y > m]; m := 1 }",
       "t.rego:2:46: rego_unsafe_var_error: var m is unsafe"},
  };
  for (const auto& c : cases) {
    auto p = NewRegoEngine()->Compile("t.rego", c.src);
    ASSERT_FALSE(p) << c.src;
    EXPECT_EQ(p.error().code(), Code::kInvalidArgument);
    EXPECT_TRUE(p.error().message().starts_with(c.where)) << c.src << " -> " << p.error().message();
  }
}

}  // namespace
}  // namespace cocoon::policy
