// Sets as OPA defines them (language reference, "Sets" and "Membership and iteration"):
// membership by value, iteration over members, equality, |, &, -, sets inside objects and as
// object keys, and JSON output of a set as an array in Rego's sort order.
#include <gtest/gtest.h>

#include "policy/rego/table_test_util.h"

namespace cocoon::policy {
namespace {

using Case = regotest::RegoCase;
void RunTable(const std::vector<Case>& cases) { regotest::RunRegoTable(cases); }

TEST(RegoSets, Membership) {
  RunTable({
      {"allow-list admits a member", "allowed := {80, 443}\nx if allowed[input.port]",
       R"({"port":443})", "true"},
      {"allow-list refuses a non-member (not an index)",
       "allowed := {80, 443}\nx if allowed[input.port]", R"({"port":1})", "undefined"},
      {"s[x] yields the member", "x := {\"a\", \"b\"}[\"b\"]", "{}", "\"b\""},
      {"member of a set of objects", "x if { {{\"a\": 1}, {\"b\": [2]}}[{\"b\": [2]}] }", "{}",
       "true"},
      {"member of a set of sets", "x if { {{1, 2}, {3}}[{2, 1}] }", "{}", "true"},
      {"numbers compare by value", "x if { {1, 2}[1.0] }", "{}", "true"},
      {"in operator", "x := [1 in {1, 2}, 3 in {1, 2}, \"a\" in {\"a\"}]", "{}",
       "[true,false,true]"},
      {"key, value in set", "x if {\n  1, 1 in {1}\n  not 1, 2 in {1}\n  not [1, 1] in {1}\n}",
       "{}", "true"},
      {"false is a member", "x if { {false}[false] == false }", "{}", "true"},
      {"array indexed by a string is undefined", "x := [\"a\"][\"a\"]", "{}", "undefined"},
      {"partial set rule membership",
       "s contains v if some v in input.a\nx := [s[\"b\"], count(s)]", R"({"a":["b","a","b"]})",
       R"(["b",2])"},
      {"not member", "s := {\"a\"}\nx if not s[input.v]", R"({"v":"z"})", "true"},
  });
}

TEST(RegoSets, Iteration) {
  RunTable({
      {"number keys iterate in value order, before strings",
       "x := [k | some k, _ in {\"b\": 1, 10: 2, 9: 3, 1.5: 4}]", "{}", R"([1.5,9,10,"b"])"},
      {"objects with number keys compare by key value",
       "x := {9: \"a\", 10: \"b\"} == {10: \"b\", 9: \"a\"}", "{}", "true"},
      {"comprehension over s[x] yields members", "s := {\"b\", \"a\"}\nx := [v | s[v]]", "{}",
       R"(["a","b"])"},
      {"some x in set", "x := [v | some v in {3, 1, 2}]", "{}", "[1,2,3]"},
      {"some k, v in set binds both to the member", "x := [[k, v] | some k, v in {\"a\"}]", "{}",
       R"([["a","a"]])"},
      {"s[_] in a body", "x := [1 | {7, 8}[_]]", "{}", "[1,1]"},
      {"every over a set", "x if every v in {2, 3} { v > 1 }", "{}", "true"},
      {"every over a set fails", "x if every v in {0, 3} { v > 1 }", "{}", "undefined"},
      {"set comprehension is a set", "x := {v | some v in [3, 1, 3]}", "{}", "[1,3]"},
      {"iteration follows sort order across types",
       "x := [v | some v in {\"b\", 1, [1], {\"a\": 1}, null, true, {1}}]", "{}",
       R"([null,true,1,"b",[1],{"a":1},[1]])"},
      {"partial set rule iteration", "s contains v if some v in input.a\nx := [v | some v in s]",
       R"({"a":[2,1,2]})", "[1,2]"},
  });
}

TEST(RegoSets, EqualityAndOperators) {
  RunTable({
      {"order does not matter", "x := {1, 2} == {2, 1}", "{}", "true"},
      {"duplicates collapse", "x := [{1, 1, 2} == {1, 2}, count({1, 1, 2})]", "{}", "[true,2]"},
      {"set is not an array", "x := [{1} == [1], {1} != [1]]", "{}", "[false,true]"},
      {"empty set is not an empty array or object", "x := [set() == [], set() == {}]", "{}",
       "[false,false]"},
      {"unification", "x if { {1, 2} = {2, 1} }", "{}", "true"},
      {"union", "x := {1, 2} | {2, 3}", "{}", "[1,2,3]"},
      {"intersection", "x := {1, 2} & {2, 3}", "{}", "[2]"},
      {"difference", "x := {1, 2, 3} - {2}", "{}", "[1,3]"},
      {"difference is a set", "x := is_set({1} - {1})", "{}", "true"},
      {"| on arrays is undefined", "x := [1] | [2]", "{}", "undefined"},
      {"set ordering: object < set", "x := [{} < set(), [] < {}, {1} < {2}, {1} < {1, 0}]", "{}",
       "[true,true,true,false]"},
      {"partial set equals literal", "s contains v if some v in input.a\nx := s == {\"a\", \"b\"}",
       R"({"a":["b","a"]})", "true"},
  });
}

TEST(RegoSets, InObjectsAndAsKeys) {
  RunTable({
      {"set value in an object", "x := {\"s\": {2, 1}}", "{}", R"({"s":[1,2]})"},
      {"set-valued field keeps set semantics", "o := {\"s\": {80, 443}}\nx if o.s[input.p]",
       R"({"p":80})", "true"},
      {"set as an object key", "o := {{1, 2}: \"a\"}\nx := o[{2, 1}]", "{}", "\"a\""},
      {"number keys stay numbers", "o := {1: \"a\", \"1\": \"b\"}\nx := [o[1], o[\"1\"]]", "{}",
       R"(["a","b"])"},
      {"number key iteration", "o := {2: \"b\"}\nx := [[k, is_number(k)] | some k, _ in o]", "{}",
       "[[2,true]]"},
      {"numeric keys are strings in JSON output", "x := {1: true}", "{}", R"({"1":true})"},
      {"nested sets sort", "x := {{2}, {1}}", "{}", "[[1],[2]]"},
      {"set inside array", "x := [{\"b\", \"a\"}]", "{}", R"([["a","b"]])"},
  });
}

TEST(RegoSets, Builtins) {
  RunTable({
      {"type checks", "x := [type_name({1}), is_set({1}), is_array({1}), is_set([1])]", "{}",
       R"(["set",true,false,false])"},
      {"count, sum, max, min", "x := [count({1, 2}), sum({1, 2}), max({1, 5}), min({4, 3})]", "{}",
       "[2,3,5,3]"},
      {"sort of a set is an array", "x := sort({3, 1})", "{}", "[1,3]"},
      {"union/intersection of a set of sets",
       "x := [union({{1}, {2}}), intersection({{1, 2}, {2, 3}})]", "{}", "[[1,2],[2]]"},
      {"object.keys is a set", "x := is_set(object.keys({\"a\": 1}))", "{}", "true"},
      {"concat over a set", "x := concat(\",\", {\"b\", \"a\"})", "{}", "\"a,b\""},
      {"json.marshal of a set", "x := json.marshal({2, 1})", "{}", "\"[1,2]\""},
      {"object.subset with sets", "x := [object.subset({1, 2}, {1}), object.subset({1}, {3})]",
       "{}", "[true,false]"},
      {"object.remove with a set of keys", "x := object.remove({\"a\": 1, \"b\": 2}, {\"a\"})",
       "{}", R"({"b":2})"},
  });
}

}  // namespace
}  // namespace cocoon::policy
