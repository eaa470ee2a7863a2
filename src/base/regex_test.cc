#include "base/regex.h"

#include <gtest/gtest.h>

#include "base/limits.h"

namespace cocoon::base {
namespace {

Regex Re(std::string_view p) {
  auto r = Regex::Compile(p);
  EXPECT_TRUE(r.has_value()) << p;
  return *r;
}

TEST(RegexTest, CompileErrorNamesThePattern) {
  auto bad = Regex::Compile("a(b");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("regex \"a(b\" is invalid"), std::string::npos);
  // Backreferences and lookaround are not RE2.
  EXPECT_FALSE(Regex::Compile("(a)\\1").has_value());
  EXPECT_FALSE(Regex::Compile("a(?=b)").has_value());
}

TEST(RegexTest, PatternLimit) {
  EXPECT_TRUE(Regex::Compile(std::string(limits::kRegexPatternMaxBytes, 'a')).has_value());
  EXPECT_FALSE(Regex::Compile(std::string(limits::kRegexPatternMaxBytes + 1, 'a')).has_value());
}

TEST(RegexTest, FullMatchAndSearch) {
  Regex acl = Re("^/kbs/v0/resource/[^/]+/[^/]+/[^/]+$");
  EXPECT_TRUE(acl.FullMatch("/kbs/v0/resource/default/key/1"));
  EXPECT_FALSE(acl.FullMatch("/kbs/v0/resource/default/key/1/x"));
  EXPECT_TRUE(Re("b+").Search("abbbc"));
  EXPECT_FALSE(Re("b+").FullMatch("abbbc"));
  // RE2 (Go) syntax: flags and Unicode classes.
  EXPECT_TRUE(Re("(?i)^HELLO$").Search("hello"));
  EXPECT_TRUE(Re("^\\pL+$").Search("héllo"));
}

TEST(RegexTest, EcmaScriptDialectForAcls) {
  auto acl = Regex::Compile("^/kbs/v0/resource/(?!secret/).+$", Regex::Dialect::kEcmaScript);
  ASSERT_TRUE(acl.has_value());
  EXPECT_TRUE(acl->FullMatch("/kbs/v0/resource/public/key/1"));
  EXPECT_FALSE(acl->FullMatch("/kbs/v0/resource/secret/key/1"));
  EXPECT_FALSE(acl->Search("x/kbs/v0/resource/a/b/c"));  // ^ anchors at the start
  auto bad = Regex::Compile("^/kbs/(+$", Regex::Dialect::kEcmaScript);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("regex \"^/kbs/(+$\" is invalid"), std::string::npos);
  EXPECT_TRUE(acl->FindAll("/kbs/v0/resource/a/b/c").empty());  // Go's helpers are RE2 only
}

TEST(RegexTest, MatchingIsLinear) {
  // Catastrophic for a backtracking engine; RE2 answers at once.
  std::string s(limits::kRegexSubjectMaxBytes, 'a');
  EXPECT_FALSE(Re("^(a+)+$").FullMatch(s + "!"));
}

TEST(RegexTest, FindAllSkipsEmptyMatchAfterMatch) {
  struct Row {
    const char* re;
    const char* s;
    std::vector<std::string_view> want;
  };
  for (const Row& r : std::vector<Row>{
           {"a*", "baaab", {"", "aaa", ""}},  // no empty match right after "aaa"
           {"", "ab", {"", "", ""}},
           {"x", "abc", {}},
           {"é?", "é", {"é"}},  // steps past a rune, not a byte
       }) {
    std::vector<std::string_view> got;
    for (const auto& m : Re(r.re).FindAll(r.s)) got.push_back(m.groups[0]);
    EXPECT_EQ(got, r.want) << r.re << " on " << r.s;
  }
  auto two = Re("[0-9]").FindAll("1a2b3", 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].begin, 2u);
  auto sub = Re("(a)(x)?").FindAll("a", -1, true);
  ASSERT_EQ(sub.size(), 1u);
  EXPECT_EQ(sub[0].groups, (std::vector<std::string_view>{"a", "a", ""}));
}

TEST(RegexTest, ReplaceAllExpandsGroupsAsGo) {
  struct Row {
    const char* re;
    const char* s;
    const char* repl;
    const char* want;
  };
  for (const Row& r : std::vector<Row>{
           {"(\\w+)@(\\w+)", "me@host", "$2 at ${1}", "host at me"},
           {"(?P<user>\\w+)@", "me@host", "<${user}>", "<me>host"},
           {"(\\w+)", "ab", "$1x", ""},  // $1x names group "1x", which does not exist
           {"(\\w+)", "ab", "${1}x", "abx"},
           {"b", "abc", "$$", "a$c"},
           {"b", "abc", "$", "a$c"},      // a lone $ stays
           {"b", "abc", "${1", "a${1c"},  // no closing brace: literal
           {"a*", "baaab", "-", "-b-b-"},
       }) {
    EXPECT_EQ(Re(r.re).ReplaceAll(r.s, r.repl), r.want) << r.re << " / " << r.repl;
  }
}

TEST(RegexTest, SplitAsGo) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Re(",").Split("a,b,,c"), (V{"a", "b", "", "c"}));
  EXPECT_EQ(Re(",").Split(""), (V{""}));
  EXPECT_EQ(Re("").Split("abc"), (V{"a", "b", "c"}));
  EXPECT_EQ(Re("x*").Split("axbc"), (V{"a", "b", "c"}));
  EXPECT_EQ(Re(",").Split("a,"), (V{"a", ""}));
}

}  // namespace
}  // namespace cocoon::base
