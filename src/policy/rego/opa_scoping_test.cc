// Scoping, `with`, and error kinds as OPA defines them: comprehension variables are local to the
// comprehension; `with` replaces input, data, rules, functions and builtins; errors carry OPA's
// kind (rego_parse_error, rego_unsafe_var_error, rego_type_error, rego_recursion_error,
// eval_conflict_error, eval_builtin_error) after file:line:col.
#include <gtest/gtest.h>

#include "policy/rego/table_test_util.h"

namespace cocoon::policy {
namespace {

using regotest::ExpectRegoError;
using regotest::RunRegoTable;

TEST(RegoScoping, ComprehensionVarsDoNotLeak) {
  RunRegoTable({
      {"same name inside and after",
       "x if {\n  ys := [y | some y in [1, 2]]\n  y := 3\n"
       "  y == 3\n  count(ys) == 2\n}",
       "{}", "true"},
      {"assigned inside, assigned again outside",
       "x := [v, w] if {\n  w := [v | v := [7][_]]\n"
       "  v := 1\n}",
       "{}", "[1,[7]]"},
      {"declared with some inside a set comprehension",
       "x := k if {\n  s := {k | some k, _ in {\"a\": 1}}\n  k := count(s)\n}", "{}", "1"},
      {"object comprehension vars",
       "x := [k, o] if {\n  o := {k: v | some k, v in {\"a\": 1}}\n"
       "  k := 2\n}",
       "{}", R"([2,{"a":1}])"},
      {"outer var is captured when bound", "x := [y | some y in [1, 2, 3]; y > m] if m := 1", "{}",
       "[2,3]"},
      {"a comprehension before := has its own var",
       "xs := {\"a\", \"b\"}\nx := n if {\n  y := {n | xs[n]}\n  n := count(y)\n}", "{}", "2"},
      {"unknowns on both sides of =", "x := [a, b] if [a, 2] = [1, b]", "{}", "[1,2]"},
      {"composite ref key pattern", "s := {[1, 2], [3, 4], [5, 2]}\nx := {a | s[[a, 2]]}", "{}",
       "[1,5]"},
      {"output argument of a function named by its data path",
       "f(a) := a + 1\nx := y if data.p.f(1, y)", "{}", "2"},
      {"key-value membership in parentheses", "x := [(0, 2 in [2]), (1, 2 in [2])]", "{}",
       "[true,false]"},
      {"every body vars are local", "x := v if {\n  every v in [1] { v > 0 }\n  v := 5\n}", "{}",
       "5"},
  });
}

TEST(RegoScoping, WithReplacesFunctionsAndBuiltins) {
  RunRegoTable({
      {"function replaced by a builtin", "f(_) := 2\nx := y if y := f([1]) with f as count", "{}",
       "1"},
      {"builtin replaced by a builtin",
       "x := y if y := object.union_n([{}, {\"a\": 3}]) with object.union_n as count", "{}", "2"},
      {"a mock calls the original",
       "mock(v) := count(v) + 10\nx := y if y := count([1, 2]) with count as mock", "{}", "12"},
      {"mocks do not apply inside mocks",
       "f(_) := 2\ng(v) := f(v)\nx := y if y := f(1) with f as g", "{}", "2"},
      {"function replaced by a function",
       "f(a) := a + 1\ng(a) := a * 10\nx := y if y := f(1) with f as g", "{}", "10"},
      {"function replaced by a value", "f(_) := 1\nx := y if y := f(0) with f as 7", "{}", "7"},
      {"function replaced through data", "f(_) := 1\nx := y if y := f(0) with data.p.f as 3", "{}",
       "3"},
      {"builtin replaced by a value", "x := y if y := count([1, 2]) with count as 9", "{}", "9"},
      {"builtin replaced by a function",
       "mock(_) := 42\nx := y if y := count([]) with count as mock", "{}", "42"},
      {"dotted builtin", "x := y if y := time.now_ns() with time.now_ns as 5", "{}", "5"},
      {"replacement reaches rules called below",
       "f(_) := 1\nr := f(0)\ng(_) := 2\nx := y if y := r with f as g", "{}", "2"},
      {"replacement ends with the expression",
       "f(_) := 1\ng(_) := 2\nx := [a, b] if {\n  a := f(0) with f as g\n  b := f(0)\n}", "{}",
       "[2,1]"},
      {"input and rule overrides still work",
       "r := input.v\nx := [a, b] if {\n  a := r with input.v as 1\n  b := r with data.p.r as 2\n}",
       R"({"v":0})", "[1,2]"},
  });
}

TEST(RegoErrors, KindsAndPositions) {
  ExpectRegoError("parse", "package p\nx := (1", "t.rego:2:8: rego_parse_error: ");
  ExpectRegoError("lex", "package p\nx := \"a", "t.rego:2:6: rego_parse_error: ");
  ExpectRegoError("unsafe", "package p\nx if { y > 1 }",
                  "t.rego:2:8: rego_unsafe_var_error: var y is unsafe");
  ExpectRegoError("undefined function", "package p\nx := nope(1)",
                  "t.rego:2:6: rego_type_error: undefined function nope");
  ExpectRegoError("arity", "package p\nx := count(1, 2, 3)",
                  "t.rego:2:6: rego_type_error: count: arity mismatch");
  ExpectRegoError("conflicting kinds", "package p\nx := 1\nx contains 2",
                  "t.rego:3:1: rego_type_error: conflicting rule kinds");
  ExpectRegoError("complete rule conflict", "package p\nx := 1\nx := 2",
                  "t.rego:3:1: eval_conflict_error: complete rules must not produce multiple "
                  "outputs");
  ExpectRegoError("object key conflict",
                  "package p\nx[k] := 1 if k := \"a\"\nx[k] := 2 if k := \"a\"",
                  "t.rego:3:1: eval_conflict_error: object keys must be unique");
  ExpectRegoError("function conflict", "package p\nf(_) := 1\nf(_) := 2\nx := f(0)",
                  "t.rego:3:1: eval_conflict_error: functions must not produce multiple outputs");
  ExpectRegoError("recursion", "package p\nx := y\ny := x", "t.rego:3:6: rego_recursion_error");
}

TEST(RegoErrors, UnknownFunctionBeforeUnsafeOutput) {
  ExpectRegoError("unknown function with an output var", "package p\nx := y if no.such(1, y)",
                  "t.rego:2:11: rego_type_error: undefined function no.such");
}

TEST(RegoErrors, ReferencedAbove) {
  ExpectRegoError("read before :=", "package p\nx if {\n  y > 1\n  y := 2\n}",
                  "t.rego:3:3: rego_compile_error: var y referenced above");
}

TEST(RegoErrors, StrictReasons) {
  const std::pair<const char*, const char*> cases[] = {
      {"x := count(1)",
       "eval_type_error: count: operand 1 must be one of {array, object, set, string} but got "
       "number"},
      {"x := object.remove([], [])",
       "eval_type_error: object.remove: operand 1 must be object but got array"},
      {"x := bits.and(1.5, 1)",
       "eval_type_error: bits.and: operand 1 must be integer number but got floating-point number"},
      {"x := 1 / 0", "eval_builtin_error: div: divide by zero"},
      {"x := 3.5 % 2", "eval_builtin_error: rem: modulo on floating-point number"},
      {"x := {1} - 1", "eval_type_error: operand 2 must be set but got number"},
      {"x := to_number(\"1x\")", "invalid syntax"},
      {"x := substring(\"abc\", -1, 1)", "eval_builtin_error: substring: negative offset"},
      {"x := units.parse_bytes(\"GB\")", "units.parse_bytes: no byte amount provided"},
      {"x := time.format(1e30)", "eval_builtin_error: time.format: timestamp too big"},
      {"x := strings.any_prefix_match([\"a\", 1], \"a\")",
       "eval_type_error: strings.any_prefix_match: operand 1 must be array of strings but got "
       "array containing number"},
  };
  for (const auto& [src, want] : cases) {
    auto p = NewRegoEngine({.strict = true})->Compile("t.rego", std::string("package p\n") + src);
    ASSERT_TRUE(p) << src;
    auto r = (*p)->Evaluate("data.p.x", nullptr, Json::object());
    ASSERT_FALSE(r) << src << ": evaluated";
    EXPECT_NE(r.error().message().find(want), std::string::npos)
        << src << ": " << r.error().message();
  }
}

TEST(RegoErrors, StrictBuiltinErrors) {
  const char* src = "package p\nx := count(1)";
  auto lax = NewRegoEngine()->Compile("t.rego", src);
  ASSERT_TRUE(lax);
  auto r = (*lax)->Evaluate("data.p.x", nullptr, Json::object());
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_value());  // undefined without --strict, as in OPA
  auto strict = NewRegoEngine({.strict = true})->Compile("t.rego", src);
  ASSERT_TRUE(strict);
  auto e = (*strict)->Evaluate("data.p.x", nullptr, Json::object());
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(
      e.error().message(),
      "t.rego:2:6: eval_type_error: count: operand 1 must be one of {array, object, set, string} "
      "but got number");
}

}  // namespace
}  // namespace cocoon::policy
