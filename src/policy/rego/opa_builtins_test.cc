// Builtins as OPA's builtin reference defines them: output-argument calls, object.get paths,
// sprintf (Go fmt verbs), strings by code point, and the families policies meet (trim_*,
// format_int, rounding, product, time.*, crypto, units, net, regex, semver, json.patch,
// graph.reachable).
#include <gtest/gtest.h>

#include "policy/rego/table_test_util.h"

namespace cocoon::policy {
namespace {

using regotest::RunRegoTable;

TEST(RegoBuiltins, OutputArguments) {
  RunRegoTable({
      {"count(xs, n) binds n", "x := n if count([1, 2], n)", "{}", "2"},
      {"split with output", "x := parts if split(\"a.b\", \".\", parts)", "{}", R"(["a","b"])"},
      {"output arg already bound compares", "x if count([1, 2], 2)", "{}", "true"},
      {"output arg mismatch is false", "x if count([1, 2], 3)", "{}", "undefined"},
      {"user function with output", "f(a) := a + 1\nx := y if f(1, y)", "{}", "2"},
  });
}

TEST(RegoBuiltins, ObjectGet) {
  RunRegoTable({
      {"key", "x := object.get({\"a\": 1}, \"a\", 0)", "{}", "1"},
      {"missing key gives default", "x := object.get({\"a\": 1}, \"b\", 0)", "{}", "0"},
      {"path array", "x := object.get({\"a\": {\"b\": [5, 6]}}, [\"a\", \"b\", 1], 0)", "{}", "6"},
      {"path array missing", "x := object.get({\"a\": {}}, [\"a\", \"b\"], \"d\")", "{}", "\"d\""},
      {"empty path is the object", "x := object.get({\"a\": 1}, [], 0)", "{}", R"({"a":1})"},
      {"number key", "x := object.get({1: \"n\"}, 1, 0)", "{}", "\"n\""},
  });
}

TEST(RegoBuiltins, Sprintf) {
  RunRegoTable({
      {"verbs", "x := sprintf(\"%s %d %v %v\", [\"a\", 3, [1, \"b\"], {\"k\": {1}}])", "{}",
       R"("a 3 [1, \"b\"] {\"k\": {1}}")"},
      {"widths", "x := sprintf(\"[%5d|%-4s|%05d|%+d|%.2f|%8.3f]\", [42, \"ab\", 7, 3, 1.5, 2.25])",
       "{}", R"("[   42|ab  |00007|+3|1.50|   2.250]")"},
      {"hex", "x := sprintf(\"%x %X %x %#x\", [255, 255, \"hi\", 16])", "{}",
       R"("ff FF 6869 0x10")"},
      {"float %v is shortest", "x := sprintf(\"%v %v\", [1.5, 0.1])", "{}", R"("1.5 0.1")"},
      {"mismatch", "x := sprintf(\"%d %s\", [\"a\", 1])", "{}", R"j("%!d(string=a) %!s(int=1)")j"},
      {"missing and extra", "x := [sprintf(\"%s %s\", [\"a\"]), sprintf(\"%s\", [\"a\", 2])]", "{}",
       R"j(["a %!s(MISSING)","a%!(EXTRA int=2)"])j"},
      {"big unsigned", "x := sprintf(\"%d %x\", [18446744073709551615, 18446744073709551615])",
       "{}", R"("18446744073709551615 ffffffffffffffff")"},
      {"set and empty set", "x := sprintf(\"%v %v\", [{2, 1}, set()])", "{}",
       R"j("{1, 2} set()")j"},
      {"percent", "x := sprintf(\"100%%\", [])", "{}", R"("100%")"},
      // A number beyond float64 keeps the text it was written with (OPA's numbers are text),
      // and its value is the integer that text writes.
      {"number beyond float64", "x := sprintf(\"%v %v\", [2e308, [-1.5e400]])", "{}",
       R"j("2e308 [-1.5e400]")j"},
      {"number beyond float64 compares by value",
       "x := [2e308 > 1e308, 2e308 == 20e307, 2e308 + 1 > 2e308, {2e308: 1}[20e307]]", "{}",
       "[true,true,true,1]"},
  });
}

TEST(RegoBuiltins, StringsByCodePoint) {
  RunRegoTable({
      {"count", "x := count(\"h\u00e9llo\")", "{}", "5"},
      {"indexof", "x := indexof(\"\u00e9a\u00e9b\", \"b\")", "{}", "3"},
      {"indexof_n", "x := indexof_n(\"\u00e9a\u00e9a\", \"a\")", "{}", "[1,3]"},
      {"substring", "x := substring(\"\u00e9abc\", 1, 2)", "{}", R"("ab")"},
      {"substring negative length is to the end", "x := substring(\"abcdef\", 2, -1)", "{}",
       R"("cdef")"},
      {"substring past the end", "x := substring(\"abc\", 5, 1)", "{}", R"("")"},
      {"split on empty", "x := split(\"\u00e9a\", \"\")", "{}", "[\"\u00e9\",\"a\"]"},
      {"reverse", "x := strings.reverse(\"\u00e9ab\")", "{}", "\"ba\u00e9\""},
      {"trim family",
       "x := [trim_prefix(\"sha256:ab\", \"sha256:\"), trim_suffix(\"a.rego\", \".rego\"),\n"
       "trim_left(\"xxa\", \"x\"), trim_right(\"axx\", \"x\"), trim(\"\u00e9a\u00e9\", "
       "\"\u00e9\"),\n"
       "trim_space(\" a \\t\")]",
       "{}", R"(["ab","a","a","a","a","a"])"},
      {"prefix matchers",
       "x := [strings.any_prefix_match(\"abc\", [\"x\", \"a\"]), "
       "strings.any_suffix_match([\"abc\"], \"d\")]",
       "{}", "[true,false]"},
  });
}

TEST(RegoBuiltins, Numbers) {
  RunRegoTable({
      {"format_int", "x := [format_int(255, 16), format_int(-8, 2), format_int(9.9, 10)]", "{}",
       R"(["ff","-1000","9"])"},
      {"rounding", "x := [floor(1.5), ceil(1.2), round(2.5), round(-2.5), floor(-1.5), round(3)]",
       "{}", "[1,2,3,-3,-2,3]"},
      {"product", "x := [product([2, 3]), product({4}), product([])]", "{}", "[6,4,1]"},
      {"units",
       "x := [units.parse(\"10K\"), units.parse(\"1Ki\"), units.parse(\"500m\"),\n"
       "units.parse_bytes(\"2KB\"), units.parse_bytes(\"1MiB\"), units.parse_bytes(\"7\")]",
       "{}", "[10000,1024,0.5,2000,1048576,7]"},
  });
}

TEST(RegoBuiltins, TimeCryptoNet) {
  RunRegoTable({
      {"parse_rfc3339_ns", "x := time.parse_rfc3339_ns(\"2024-02-29T12:00:00.5+01:00\")", "{}",
       "1709204400500000000"},
      {"date, clock, weekday",
       "t := 1709204400500000000\nx := [time.date(t), time.clock(t), time.weekday(t)]", "{}",
       R"([[2024,2,29],[11,0,0],"Thursday"])"},
      {"add_date normalises", "x := time.date(time.add_date(1709204400000000000, 1, 0, 0))", "{}",
       "[2025,3,1]"},
      {"parse_duration_ns", "x := time.parse_duration_ns(\"1h2m0.5s\")", "{}", "3720500000000"},
      {"sha256", "x := crypto.sha256(\"abc\")", "{}",
       R"("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")"},
      {"hmac", "x := crypto.hmac.sha256(\"what do ya want for nothing?\", \"Jefe\")", "{}",
       R"("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")"},
      {"hmac.equal", "x := [crypto.hmac.equal(\"ab\", \"ab\"), crypto.hmac.equal(\"ab\", \"a\")]",
       "{}", "[true,false]"},
      {"cidr_contains",
       "x := [net.cidr_contains(\"10.0.0.0/8\", \"10.1.2.3\"),\n"
       "net.cidr_contains(\"10.0.0.0/8\", \"11.0.0.1\"),\n"
       "net.cidr_contains(\"10.0.0.0/8\", \"10.1.0.0/16\"),\n"
       "net.cidr_contains(\"fd00::/8\", \"fd12::1\")]",
       "{}", "[true,false,true,true]"},
  });
}

TEST(RegoBuiltins, TimeZonesAndLayouts) {
  RunRegoTable({
      {"format: default RFC 3339 with nanoseconds in UTC", "x := time.format(1670006453141828752)",
       "{}", R"("2022-12-02T18:40:53.141828752Z")"},
      {"format in a zone", "x := time.format([1670006453141828752, \"Asia/Kolkata\"])", "{}",
       R"("2022-12-03T00:10:53.141828752+05:30")"},
      {"format with a Go layout and a named layout",
       "t := [1670006453141828752, \"Asia/Kolkata\"]\n"
       "x := [time.format(array.concat(t, [\"Mon Jan 02 15:04:05 -0700 2006\"])),\n"
       "time.format(array.concat(t, [\"RFC1123Z\"])), time.format(array.concat(t, [\"3:04PM\"]))]",
       "{}", R"(["Sat Dec 03 00:10:53 +0530 2022","Sat, 03 Dec 2022 00:10:53 +0530","12:10AM"])"},
      {"parse_ns with layouts",
       "x := [time.parse_ns(\"2006-01-02\", \"2020-02-29\"),\n"
       "time.parse_ns(\"02 Jan 06 15:04 -0700\", \"02 Jun 17 19:00 -0700\"),\n"
       "time.parse_ns(\"RFC822Z\", \"02 Jun 17 19:00 -0700\")]",
       "{}", "[1582934400000000000,1496455200000000000,1496455200000000000]"},
      {"parse_ns of a bad value is undefined", "x := time.parse_ns(\"2006-01-02\", \"2020-02-30\")",
       "{}", "undefined"},
      {"date and clock in a zone with DST",
       "t := 1517814000000000000\n"
       "x := [time.date([t, \"America/Los_Angeles\"]), time.clock([t, \"America/New_York\"])]",
       "{}", "[[2018,2,4],[2,0,0]]"},
      {"diff in years, months, days, hours, minutes, seconds",
       "p(s) := time.parse_ns(\"2006-01-02\", s)\n"
       "x := [time.diff(p(\"2020-02-02\"), p(\"2020-03-01\")), time.diff(p(\"2005-03-01\"), "
       "p(\"2004-02-29\"))]",
       "{}", "[[0,0,28,0,0,0],[1,0,1,0,0,0]]"},
      {"rfc3339 beyond int64 nanoseconds is undefined",
       "x := time.parse_rfc3339_ns(\"2262-04-11T23:47:16.854775808Z\")", "{}", "undefined"},
      {"now_ns is one value per evaluation",
       "x := count({time.now_ns() | numbers.range(1, 50)[_]})", "{}", "1"},
  });
}

TEST(RegoBuiltins, UnicodeCaseAndBigNumbers) {
  RunRegoTable({
      {"lower and upper by code point",
       "x := [lower(\"\u00c9COLE \u0130 \u03a3\"), upper(\"\u00e9t\u00e9 \u01c5\")]", "{}",
       "[\"\u00e9cole i \u03c3\",\"\u00c9T\u00c9 \u01c4\"]"},
      {"integers beyond 64 bits are exact",
       "a := 1208925819614629174706175\n"
       "x := [a + 1 > a, (a * a) / a == a, a % 1000, sprintf(\"%d\", [a * 10]), is_number(a)]",
       "{}", R"([true,true,175,"12089258196146291747061750",true])"},
      {"int64 overflow stays exact", "x := sprintf(\"%v\", [9223372036854775807 + 1])", "{}",
       R"("9223372036854775808")"},
      {"units with exponents and quotes",
       "x := [units.parse(\"2.5e3K\"), units.parse(\"-3.5E2m\"), "
       "units.parse_bytes(\"\\\"1e3KB\\\"\"),\n"
       "units.parse_bytes(\"1.1KiB\")]",
       "{}", "[2500000,-0.35,1000000,1126]"},
  });
}

TEST(RegoBuiltins, RegexJsonGraph) {
  RunRegoTable({
      {"regex family",
       "x := [regex.is_valid(\"(\"), regex.split(\",+\", \"a,,b\"), regex.find_n(\"[0-9]\", "
       "\"a1b2c3\", 2),\nregex.find_all_string_submatch_n(\"(a)(b)?\", \"ab a\", -1)]",
       "{}", R"([false,["a","b"],["1","2"],[["ab","a","b"],["a","a",""]]])"},
      {"semver", "x := [semver.compare(\"1.10.0\", \"1.9.0\"), semver.is_valid(\"1.2\")]", "{}",
       "[1,false]"},
      {"json.patch",
       "x := json.patch({\"a\": {\"b\": 1}, \"l\": [1]}, [\n"
       "{\"op\": \"add\", \"path\": \"/a/c\", \"value\": 2},\n"
       "{\"op\": \"remove\", \"path\": \"/a/b\"},\n"
       "{\"op\": \"add\", \"path\": \"/l/-\", \"value\": 3},\n"
       "{\"op\": \"replace\", \"path\": \"/l/0\", \"value\": 0},\n"
       "{\"op\": \"copy\", \"from\": \"/a\", \"path\": \"/d\"}])",
       "{}", R"({"a":{"c":2},"d":{"c":2},"l":[0,3]})"},
      {"json.patch failed test is undefined",
       "x := json.patch({\"a\": 1}, [{\"op\": \"test\", \"path\": \"/a\", \"value\": 2}])", "{}",
       "undefined"},
      {"graph.reachable",
       "g := {\"a\": [\"b\"], \"b\": {\"c\"}, \"c\": [], \"d\": [\"a\"]}\n"
       "x := graph.reachable(g, [\"a\"])",
       "{}", R"(["a","b","c"])"},
      // graph.reachable_paths: one walk per neighbour of an initial node; a path stops at a
      // node without edges, before a node outside the graph, or before one already reached.
      {"graph.reachable_paths",
       "g := {\"a\": [\"b\", \"c\"], \"b\": {\"c\", \"z\"}, \"c\": [\"a\"], \"d\": null}\n"
       "x := [graph.reachable_paths(g, {\"a\"}), graph.reachable_paths(g, [\"d\", \"q\"])]",
       "{}", R"([[["a","b"],["a","b","c"],["a","c"]],[["d"]]])"},
      {"graph.reachable_paths: a node reached by an earlier branch ends the path",
       "g := {\"r\": [\"s\"], \"s\": [\"t\", \"u\"], \"t\": [\"v\"], \"u\": [\"t\"], \"v\": []}\n"
       "x := graph.reachable_paths(g, [\"r\"])",
       "{}", R"([["r","s","t","v"],["r","s","u"]])"},
      // json.patch on sets: a segment names a member by value; adding needs value == segment.
      {"json.patch on sets",
       "d := {\"s\": {\"a\", \"b\"}, \"t\": {\"c\"}}\n"
       "x := [json.patch(d, [{\"op\": \"add\", \"path\": \"/s/c\", \"value\": \"c\"}]),\n"
       "json.patch(d, [{\"op\": \"remove\", \"path\": \"s/a\"}]),\n"
       "json.patch(d, [{\"op\": \"move\", \"from\": \"/s/b\", \"path\": \"/t/b\"}]),\n"
       "json.patch({[2]}, [{\"op\": \"add\", \"path\": [[2], 0], \"value\": 1}])]",
       "{}",
       R"([{"s":["a","b","c"],"t":["c"]},{"s":["b"],"t":["c"]},{"s":["a"],"t":["b","c"]},[[1,2]]])"},
      {"json.patch: array indexes have no leading zeros",
       "x := json.patch([5, 6], [{\"op\": \"test\", \"path\": \"/01\", \"value\": 6}])", "{}",
       "undefined"},
      {"json.patch replaces the whole document",
       "x := json.patch({\"a\": 1}, [{\"op\": \"replace\", \"path\": \"\", \"value\": 2}])", "{}",
       "2"},
      {"json.patch: adding a set member under another name fails",
       "x := json.patch({\"a\"}, [{\"op\": \"add\", \"path\": \"/b\", \"value\": \"a\"}])", "{}",
       "undefined"},
      {"object.filter", "x := object.filter({\"a\": 1, \"b\": 2}, {\"a\"})", "{}", R"({"a":1})"},
      {"json.remove and json.filter by string and array paths",
       "d := {\"a\": {\"b\": 1, \"c\": [5, 6, 7]}, \"e\": 2}\n"
       "x := [json.remove(d, [\"a/b\", [\"a\", \"c\", 1]]), json.filter(d, {\"/a/c/2\", \"e\"})]",
       "{}", R"([{"a":{"c":[5,7]},"e":2},{"a":{"c":[7]},"e":2}])"},
      {"regex.split as Go splits",
       "x := [regex.split(\"a\", \"banana\"), regex.split(\"x\", \"\")]", "{}",
       R"([["b","n","n",""],[""]])"},
      // Go's regexp syntax (RE2), as OPA's regex builtins take it.
      {"regex flags and Unicode classes",
       "x := [regex.match(\"(?i)^abc$\", \"ABC\"), regex.match(\"^\\\\pL+$\", \"héllo\"),\n"
       "regex.match(\"^\\\\pL+$\", \"h3llo\"), regex.is_valid(\"a(?=b)\")]",
       "{}", "[true,true,false,false]"},
      {"regex.replace expands $1, ${1} and ${name}; $$ is $",
       "x := [regex.replace(\"ab-cd\", \"(\\\\w+)-(\\\\w+)\", \"$2 ${1}x\"),\n"
       "regex.replace(\"k=v\", \"(?P<key>\\\\w+)=\", \"${key}:$$\"),\n"
       "regex.replace(\"ab\", \"(a)\", \"$1x\")]",
       "{}", R"(["cd abx","k:$v","b"])"},
      {"regex.find_n skips an empty match right after a match",
       "x := regex.find_n(\"a*\", \"baaab\", -1)", "{}", R"(["","aaa",""])"},
      {"glob.match classes, alternatives and delimiters",
       "x := [glob.match(\"[a-c]at\", [], \"bat\"), glob.match(\"[!a-c]at\", [], \"bat\"),\n"
       "glob.match(\"{cat,[fr]at}\", [], \"rat\"), glob.match(\"*\", [], \"a.b\"),\n"
       "glob.match(\"*\", null, \"a.b\"), glob.match(\"*.b\", [\".\"], \"a.b\")]",
       "{}", "[true,false,true,false,true,true]"},
      {"array.flatten is one level", "x := array.flatten([[1], 2, [3, [4]]])", "{}", "[1,2,3,[4]]"},
      {"numbers.range_step", "x := [numbers.range_step(0, 10, 4), numbers.range_step(5, 1, 2)]",
       "{}", "[[0,4,8],[5,3,1]]"},
      {"base64url.encode pads", "x := base64url.encode(\"a?\")", "{}", R"("YT8=")"},
      {"bits.lsh beyond 64 bits", "x := sprintf(\"%d\", [bits.lsh(9223372036854775807, 1)])", "{}",
       R"("18446744073709551614")"},
      {"object.subset of an array and a set",
       "x := [object.subset([1, 2, 3], {3, 1}), object.subset([1, 2], {4})]", "{}", "[true,false]"},
  });
}

}  // namespace
}  // namespace cocoon::policy
