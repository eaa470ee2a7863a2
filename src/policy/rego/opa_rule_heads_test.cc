// Rule heads as OPA defines them (policy reference, "Rules"): in v1 syntax `p[x] if …` is a
// single-value object rule; ref heads build nested objects; `contains` builds sets (also under
// a ref); `default` functions; object keys keep their type.
#include <gtest/gtest.h>

#include "policy/rego/table_test_util.h"

namespace cocoon::policy {
namespace {

using regotest::RegoCase;
using regotest::RunRegoTable;

TEST(RegoRuleHeads, V1AndV0) {
  RunRegoTable({
      {"v1: p[k] if is an object rule", "x[k] if some k in input.a", R"({"a":["b","a"]})",
       R"({"a":true,"b":true})"},
      {"v1: p[k] := v", "x[k] := v if some k, v in input.o", R"({"o":{"a":1}})", R"({"a":1})"},
      {"v1: contains is a set rule", "x contains k if some k in input.a", R"({"a":["b","a"]})",
       R"(["a","b"])"},
      {"v1: p[k] in a module without imports is v1", "x[k] if some k in input.a", R"({"a":["b"]})",
       R"({"b":true})"},
  });
  // v0 (future.keywords import, or bodies without `if`): p[x] is a set rule.
  RunRegoTable({{"v0: p[k] if is a set rule", "x[k] if { some k in input.a }", R"({"a":["b","a"]})",
                 R"(["a","b"])"}},
               "package p\nimport future.keywords.if\nimport future.keywords.in\n");
  RunRegoTable({{"v0: p[k] { } is a set rule", "x[k] { k := input.a[_] }", R"({"a":["b","a"]})",
                 R"(["a","b"])"}},
               "package p\n");
}

TEST(RegoRuleHeads, RefHeads) {
  RunRegoTable({
      {"constant ref head", "x.a.b := 1", "{}", R"({"a":{"b":1}})"},
      {"several ref heads merge", "x.a.b := 1\nx.a.c := 2\nx.d := 3", "{}",
       R"({"a":{"b":1,"c":2},"d":3})"},
      {"ref head without value is true", "x.a if input.ok", R"({"ok":true})", R"({"a":true})"},
      {"ref head undefined body leaves no key", "x.a if input.ok\nx.b := 2", R"({"ok":false})",
       R"({"b":2})"},
      {"var in the middle", "x[k].n := v if some k, v in input.o", R"({"o":{"a":1,"b":2}})",
       R"({"a":{"n":1},"b":{"n":2}})"},
      {"contains under a ref", "x.q contains v if some v in input.a", R"({"a":[2,1,2]})",
       R"({"q":[1,2]})"},
      {"contains under a var key", "x[k] contains v if some k, v in input.o",
       R"({"o":{"a":1,"b":2}})", R"({"a":[1],"b":[2]})"},
      {"ref head read through data", "r.s.t := 4\nx := data.p.r.s.t", "{}", "4"},
      {"ref head read locally", "r.s.t := 4\nx := r.s", "{}", R"({"t":4})"},
      {"else on a ref head", "x.a := 1 if input.v == 1\nelse := 2", R"({"v":5})", R"({"a":2})"},
      {"number keys in a ref head", "x[n] := true if some n in [1, 2]", "{}",
       R"({"1":true,"2":true})"},
      {"number keys stay numbers when read", "o[n] := true if some n in [1, 2]\nx := o[1]", "{}",
       "true"},
      // An object rule `x[k] := v` and a ref head below x (`x.s contains …`) build one object.
      {"object rule next to a contains ref head",
       "x.s contains n if some n in [2, 1]\nx[k] := \"v\" if k := \"o\"", "{}",
       R"({"o":"v","s":[1,2]})"},
      {"object rule and ref heads side by side", "x[k] := 1 if k := \"a\"\nx.b.c := 2", "{}",
       R"({"a":1,"b":{"c":2}})"},
      {"the same value twice is no conflict", "x[k].v := 1 if some k in [\"a\", \"a\"]", "{}",
       R"({"a":{"v":1}})"},
  });
}

TEST(RegoRuleHeads, DefaultFunctions) {
  RunRegoTable({
      {"default function when no definition applies",
       "default f(_) := \"none\"\nf(v) := \"big\" if v > 10\nx := [f(1), f(11)]", "{}",
       R"(["none","big"])"},
      {"default on a constant ref head", "default a.b.c := \"d\"\nx := a", "{}",
       R"({"b":{"c":"d"}})"},
      {"default on a ref head gives way to a rule",
       "default a.b.c := \"d\"\na.b.c := \"e\" if true\na.b.e := 1\nx := a", "{}",
       R"({"b":{"c":"e","e":1}})"},
      {"functions with ref heads",
       "foo.bar(v) := v + 1\nfoo[\"baz\"](v) := v * 2\n"
       "x := [foo.bar(1), data.p.foo.baz(2)]",
       "{}", "[2,4]"},
      {"keywords as ref heads",
       "if.foo := 1\ntrue.bar contains 2\nx := [if.foo, true.bar, data.p.if]", "{}",
       R"([1,[2],{"foo":1}])"},
      {"default function of two args",
       "default g(_, _) := 0\ng(a, b) := a + b if a > 0\n"
       "x := [g(0, 1), g(1, 1)]",
       "{}", "[0,2]"},
  });
}

TEST(RegoRuleHeads, RefHeadAndSubPackageAreOneDocument) {
  // `a.b.c.d contains 1` in package t and `b.c.d contains 2` in package t.a: data.t.a is one
  // document, the set the union of both.
  PolicySource mods[] = {{"a.rego", "package t\na.b.c.d contains 1\n"},
                         {"b.rego", "package t.a\nb.c.d contains 2\n"}};
  auto p = NewRegoEngine()->CompileModules(mods);
  ASSERT_TRUE(p) << p.error().message();
  auto r = (*p)->Evaluate("data.t.a", nullptr, Json::object());
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(base::DumpJson(**r), R"({"b":{"c":{"d":[1,2]}}})");
}

TEST(RegoRuleHeads, BaseDocumentWinsAConflict) {
  // OPA: where base data and a rule of a package define the same key, data.<pkg> shows the
  // base document's value.
  auto p = NewRegoEngine()->Compile("t.rego", "package q\nk := \"rule\"\nj := 1\n");
  ASSERT_TRUE(p);
  Json data = *base::ParseJson(R"({"q": {"k": "base"}})");
  auto r = (*p)->Evaluate("data.q", nullptr, data);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(base::DumpJson(**r), R"({"j":1,"k":"base"})");
}

TEST(RegoRuleHeads, Conflicts) {
  regotest::ExpectRegoError("same ref, two values", "package p\nx.a := 1\nx.a := 2",
                            "t.rego:3:1: eval_conflict_error");
  regotest::ExpectRegoError("default on a ref with a variable", "package p\ndefault x[k] := 1",
                            "t.rego:2:1:");
  regotest::ExpectRegoError("contains with a value", "package p\nx contains 1 := 2", "t.rego:2:");
  // A ref head may not write inside a value another definition gave as a whole, nor give a
  // value where other definitions built an object (OPA: eval_conflict_error).
  for (const char* src : {
           "x[k].r := {\"s\": 1} if k := \"q\"\nx.q.r.t := 2",   // a new key in that value
           "x.q.r.t := 2\nx[k].r := {\"t\": 2} if k := \"q\"",   // a value onto built keys
           "x[k].r := 1 if some k in [\"a\", \"b\"]\nx.b := 2",  // a leaf onto an object
           "x.a contains 1\nx[k] := {1} if k := \"a\"",          // a set leaf and a value
       }) {
    auto p = NewRegoEngine()->Compile("t.rego", std::string("package p\n") + src);
    ASSERT_TRUE(p) << src;
    auto r = (*p)->Evaluate("data.p.x", nullptr, Json::object());
    ASSERT_FALSE(r) << src;
    EXPECT_NE(r.error().message().find("eval_conflict_error"), std::string::npos) << src;
  }
}

}  // namespace
}  // namespace cocoon::policy
