// `cocoon policy eval` end to end: the real cocoon binary on Trustee's default resource policy
// with EAR token claims, multi-module policies, undefined results and compile errors.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/json.h"
#include "tests/harness.h"
#include "testutil/testdata.h"

namespace cocoon {
namespace {

using harness::BinaryPath;
using harness::TempDir;

class PolicyCli : public ::testing::Test {
 protected:
  harness::CommandResult Eval(std::vector<std::string> args, const std::string& stdin_text = "") {
    std::vector<std::string> argv = {BinaryPath("cocoon"), "policy", "eval"};
    argv.insert(argv.end(), args.begin(), args.end());
    return harness::Run(argv, stdin_text);
  }
  std::string Write(const std::string& name, const std::string& text) {
    dir_.Write(name, text);
    return dir_.File(name);
  }
  static Json Out(const harness::CommandResult& r) {
    auto j = base::ParseJson(r.out);
    EXPECT_TRUE(j) << r.out;
    return j ? *j : Json();
  }
  TempDir dir_;
};

// Claims of the synthetic EAR token (a sample TEE) and the same claims without the sample
// evidence (what an SNP or TDX token looks like to the default resource policy).
TEST_F(PolicyCli, DefaultResourcePolicyOnEarClaims) {
  std::string policy =
      Write("default.rego", testutil::ReadTestdata("policy/kbs-resource/default.rego"));
  Json claims = testutil::TestdataJson("token/synthetic-ear-token.json")["claims"];
  ASSERT_TRUE(claims.is_object());
  std::string sample_in = Write("sample.json", base::DumpJson(claims));
  claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"].erase("sample");
  std::string snp_in = Write("snp.json", base::DumpJson(claims));
  std::string resource =
      Write("data.json", R"({"plugin":"resource","resource-path":["a","b","c"]})");
  std::string other = Write("other.json", R"({"plugin":"nebula-ca","resource-path":[]})");

  auto allow = Eval(
      {"--policy", policy, "--input", snp_in, "--data", resource, "--query", "data.policy.allow"});
  ASSERT_EQ(allow.exit_code, 0) << allow.err;
  EXPECT_EQ(Out(allow), Json({{"result", true}}));

  auto sample = Eval({"--policy", policy, "--input", sample_in, "--data", resource, "--query",
                      "data.policy.allow"});
  ASSERT_EQ(sample.exit_code, 0) << sample.err;
  EXPECT_EQ(Out(sample), Json({{"result", false}}));

  auto plugin =
      Eval({"--policy", policy, "--input", "-", "--data", other, "--query", "data.policy.allow"},
           base::DumpJson(claims));
  ASSERT_EQ(plugin.exit_code, 0) << plugin.err;
  EXPECT_EQ(Out(plugin), Json({{"result", false}}));

  auto whole =
      Eval({"--policy", policy, "--input", snp_in, "--data", resource, "--query", "data.policy"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_EQ(Out(whole), *base::ParseJson(R"({"result":{"allow":true,"plugin":"resource"}})"));
}

TEST_F(PolicyCli, TwoModules) {
  std::string main =
      Write("main.rego", "package app\nimport data.lib\n\nallow if lib.is_admin(input.user)\n");
  std::string lib =
      Write("lib.rego", "package lib\n\nadmins := {\"alice\"}\nis_admin(u) if admins[u]\n");
  std::string in = Write("in.json", R"({"user":"alice"})");
  auto r = Eval({"--policy", main, "--policy", lib, "--input", in, "--query", "data.app.allow"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Out(r), Json({{"result", true}}));
}

TEST_F(PolicyCli, UndefinedResultAndMissingInput) {
  std::string p = Write("p.rego", "package p\n\nallow if input.x == 1\nnothing := null\n");
  std::string in = Write("in.json", R"({"x":2})");
  auto r = Eval({"--policy", p, "--input", in, "--query", "data.p.allow"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Out(r), *base::ParseJson(R"({"result":null,"undefined":true})"));
  // No --input: input is undefined, so is allow; a null-valued rule is defined.
  auto none = Eval({"--policy", p, "--query", "data.p.allow"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(Out(none), *base::ParseJson(R"({"result":null,"undefined":true})"));
  auto null_rule = Eval({"--policy", p, "--query", "data.p.nothing"});
  ASSERT_EQ(null_rule.exit_code, 0) << null_rule.err;
  EXPECT_EQ(Out(null_rule), *base::ParseJson(R"({"result":null})"));
}

TEST_F(PolicyCli, CompileErrorsExitOneWithPosition) {
  std::string good = Write("good.rego", "package a\nx := 1\n");
  std::string bad = Write("bad.rego", "package b\n\nallow if {\n  input.x ==\n");
  auto r = Eval({"--policy", good, "--policy", bad, "--query", "data.a.x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(r.err.starts_with(bad + ":5:1: ")) << r.err;

  std::string unsafe = Write("unsafe.rego", "package p\n\nallow if {\n  y > 1\n}\n");
  auto u = Eval({"--policy", unsafe, "--query", "data.p.allow"});
  EXPECT_EQ(u.exit_code, 1);
  EXPECT_NE(u.err.find(unsafe + ":4:3: rego_unsafe_var_error: var y is unsafe"), std::string::npos)
      << u.err;
}

TEST_F(PolicyCli, QueryWithBindingsPrettyAndStrict) {
  std::string p = Write("p.rego", "package p\nimport rego.v1\nports := {443, 80, 8443}\n");
  auto b = Eval({"--policy", p, "--query", "some x in data.p.ports; x > 100"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(Out(b),
            *base::ParseJson(R"({"result":[{"bindings":{"x":443}},{"bindings":{"x":8443}}]})"));
  auto v = Eval({"--policy", p, "--query", "data.p.ports[x]"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_EQ(Out(v)["result"].size(), 3u);
  EXPECT_EQ(Out(v)["result"][0], *base::ParseJson(R"({"bindings":{"x":80},"value":80})"));
  auto pretty = Eval({"--policy", p, "--format", "pretty", "--query", "data.p.ports"});
  ASSERT_EQ(pretty.exit_code, 0) << pretty.err;
  EXPECT_EQ(pretty.out, "[\n  80,\n  443,\n  8443\n]\n");
  auto table = Eval({"--policy", p, "--format", "pretty", "--query", "x := count(data.p.ports)"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out, "+---+\n| x |\n+---+\n| 3 |\n+---+\n");
  std::string bad = Write("bad.rego", "package q\nx := count(1)\n");
  auto lax = Eval({"--policy", bad, "--query", "data.q.x"});
  EXPECT_EQ(Out(lax), *base::ParseJson(R"({"result":null,"undefined":true})"));
  auto strict = Eval({"--policy", bad, "--strict", "--query", "data.q.x"});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_NE(strict.err.find(":2:6: eval_type_error: count: operand 1 must be one of {array, "
                            "object, set, string} but got number"),
            std::string::npos)
      << strict.err;
}

TEST_F(PolicyCli, TestCommandRunsTestRules) {
  std::filesystem::create_directories(dir_.File("t"));
  dir_.Write("t/lib.rego", "package lib\nimport rego.v1\nallowed(p) if p in {80, 443}\n");
  dir_.Write("t/lib_test.rego",
             "package lib_test\nimport rego.v1\nimport data.lib\n"
             "test_443 if lib.allowed(443)\ntest_1_refused if not lib.allowed(1)\n");
  auto ok = harness::Run({BinaryPath("cocoon"), "policy", "test", dir_.File("t"), "-v"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("data.lib_test.test_443: PASS"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("PASS: 2/2"), std::string::npos) << ok.out;
  dir_.Write("t/more_test.rego",
             "package more\nimport rego.v1\ntest_wrong if data.lib.allowed(1)\n");
  auto bad = harness::Run({BinaryPath("cocoon"), "policy", "test", dir_.File("t")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("data.more.test_wrong: FAIL (undefined)"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("FAIL: 1/3"), std::string::npos) << bad.out;
}

TEST_F(PolicyCli, UsageErrorsExitTwo) {
  std::string p = Write("p.rego", "package p\nx := 1\n");
  EXPECT_EQ(Eval({"--policy", p}).exit_code, 2);                        // no --query
  EXPECT_EQ(Eval({"--query", "data.p.x"}).exit_code, 2);                // no --policy
  EXPECT_EQ(Eval({"--policy", p, "--query", "data.p["}).exit_code, 2);  // malformed query
  auto missing = Eval({"--policy", dir_.File("nope.rego"), "--query", "data.p.x"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.rego"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace cocoon
