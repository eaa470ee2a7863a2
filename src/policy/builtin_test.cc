#include "policy/testing/builtin.h"

#include <gtest/gtest.h>

#include "testutil/testdata.h"

namespace cocoon::policy {
namespace {

Json LoadToken() { return testutil::TestdataJson("token/synthetic-ear-token.json"); }

Json ResourceData(std::string plugin = "resource") {
  return {
      {"plugin", plugin}, {"resource-path", {"default", "key", "1"}}, {"query", Json::object()}};
}

bool Allow(std::string_view name, const Json& input, const Json& data) {
  auto p = BuiltinResourcePolicy(name);
  EXPECT_TRUE(p);
  auto r = (*p)->Query("data.policy.allow", input, data);
  EXPECT_TRUE(r);
  return r->get<bool>();
}

TEST(BuiltinResourcePolicy, SyntheticEarTokenExpectations) {
  Json t = LoadToken();
  const Json& claims = t["claims"];
  const Json& exp = t["expected"];
  EXPECT_EQ(Allow("default", claims, ResourceData()),
            exp["default_kbs_resource_policy_allow_for_resource"].get<bool>());
  EXPECT_EQ(Allow("allow_all", claims, ResourceData()), exp["allow_all_policy"].get<bool>());
  EXPECT_EQ(Allow("affirming", claims, ResourceData()), exp["affirming_policy"].get<bool>());
  EXPECT_FALSE(Allow("deny_all", claims, ResourceData()));
}

TEST(BuiltinResourcePolicy, DefaultAllowsNonSampleTeesForResourcePluginOnly) {
  Json snp = {{"submods",
               {{"cpu0",
                 {{"ear.status", "warning"},
                  {"ear.veraison.annotated-evidence", {{"snp", {{"measurement", "00"}}}}}}}}}};
  EXPECT_TRUE(Allow("default", snp, ResourceData()));
  // Unlike Trustee's default: a contraindicated appraisal, or a debuggable guest, is refused.
  Json contraindicated = snp;
  contraindicated["submods"]["cpu0"]["ear.status"] = "contraindicated";
  EXPECT_FALSE(Allow("default", contraindicated, ResourceData()));
  Json debug = snp;
  debug["submods"]["cpu0"]["ear.veraison.annotated-evidence"]["snp"]["policy_debug_allowed"] = true;
  EXPECT_FALSE(Allow("default", debug, ResourceData()));
  EXPECT_FALSE(Allow("default", snp, ResourceData("sample")));
  EXPECT_FALSE(Allow("allow_all", snp, ResourceData("other")));
  // Rego `not x` holds when x is false: a literal false "sample" member does not deny.
  Json falsy = {
      {"submods", {{"cpu0", {{"ear.veraison.annotated-evidence", {{"sample", false}}}}}}}};
  EXPECT_TRUE(Allow("default", falsy, ResourceData()));
}

TEST(BuiltinResourcePolicy, AffirmingNeedsEverySubmodAffirming) {
  Json ok = {{"submods",
              {{"cpu0", {{"ear.status", "affirming"}}}, {"gpu0", {{"ear.status", "affirming"}}}}}};
  Json mixed = ok;
  mixed["submods"]["gpu0"]["ear.status"] = "warning";
  EXPECT_TRUE(Allow("affirming", ok, ResourceData()));
  EXPECT_FALSE(Allow("affirming", mixed, ResourceData()));
  EXPECT_FALSE(Allow("affirming", {{"submods", Json::object()}}, ResourceData()));
}

TEST(BuiltinResourcePolicy, UnknownNameAndQuery) {
  EXPECT_EQ(BuiltinResourcePolicy("nope").error().code(), Code::kNotFound);
  auto p = *BuiltinResourcePolicy("default");
  EXPECT_EQ(p->Query("data.policy.other", {}, {}).error().code(), Code::kInvalidArgument);
}

TEST(BuiltinEarPolicy, SampleWithoutReferenceValues) {
  Json input = {{"sample",
                 {{"svn", "1"},
                  {"launch_digest", "abcde"},
                  {"platform_version", {{"major", 1}, {"minor", 4}}},
                  {"debug", false}}}};
  auto tc = BuiltinEarPolicy()->Query("data.policy.trust_claims", input, {});
  ASSERT_TRUE(tc);
  EXPECT_EQ((*tc)["executables"], 33);
  EXPECT_EQ((*tc)["hardware"], 97);
  EXPECT_EQ((*tc)["configuration"], 2);
}

TEST(BuiltinEarPolicy, SampleWithReferenceValues) {
  Json input = {{"sample",
                 {{"svn", "1"},
                  {"launch_digest", "abcde"},
                  {"platform_version", {{"major", 1}, {"minor", 4}}},
                  {"debug", false}}}};
  Json rvs = {{"launch_digest", {"abcde"}},
              {"svn", {"1"}},
              {"major_version", 1},
              {"minimum_minor_version", 2}};
  auto lookup = [&](std::string_view id) {
    auto it = rvs.find(id);
    return it == rvs.end() ? Json(nullptr) : *it;
  };
  auto tc = BuiltinEarPolicy()->Query("data.policy.trust_claims", input, {}, lookup);
  ASSERT_TRUE(tc);
  EXPECT_EQ((*tc)["executables"], 3);
  EXPECT_EQ((*tc)["hardware"], 2);
  rvs["minimum_minor_version"] = 5;  // minor 4 < 5
  tc = BuiltinEarPolicy()->Query("data.policy.trust_claims", input, {}, lookup);
  EXPECT_EQ((*tc)["hardware"], 97);
}

TEST(BuiltinEarPolicy, UnknownTeeKeepsDefaults) {
  auto tc = BuiltinEarPolicy()->Query("data.policy.trust_claims", {{"snp", Json::object()}}, {});
  ASSERT_TRUE(tc);
  EXPECT_EQ((*tc)["executables"], 33);
  EXPECT_EQ((*tc)["hardware"], 97);
  EXPECT_EQ((*tc)["configuration"], 36);
}

TEST(BuiltinEngine, CompileIsUnimplementedWithGuidance) {
  auto r = NewBuiltinEngine()->Compile("resource-policy", "package policy");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnimplemented);
  EXPECT_NE(r.error().message().find("builtin"), std::string::npos);
}

}  // namespace
}  // namespace cocoon::policy
