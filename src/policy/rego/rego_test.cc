// Rego interpreter against the shared testdata: every policy parses, and the policy-engine,
// KBS resource and EAR CPU policies give Trustee's expected results.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "policy/rego_engine.h"

namespace cocoon::policy {
namespace {

std::string Read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Json J(std::string_view s) { return *base::ParseJson(s); }

std::string PolicyDir() { return COCOON_TESTDATA_DIR "/policy"; }

std::shared_ptr<const Policy> Load(const std::string& rel) {
  auto p = NewRegoEngine()->Compile(rel, Read(PolicyDir() + "/" + rel));
  EXPECT_TRUE(p) << rel << ": " << p.error().message();
  return p ? *p : nullptr;
}

TEST(RegoTestdata, EveryPolicyParses) {
  int n = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(PolicyDir())) {
    if (e.path().extension() != ".rego") continue;
    auto p = NewRegoEngine()->Compile(e.path().filename().string(), Read(e.path().string()));
    EXPECT_TRUE(p) << e.path() << ": " << p.error().message();
    ++n;
  }
  EXPECT_GE(n, 17);
}

Json EngineInput(const std::string& product, int svn) {
  return {{"submods",
           {{"cpu0",
             {{"ear.trustworthiness-vector", {{"executables", 2}, {"hardware", 3}}},
              {"ear.veraison.annotated-evidence",
               {{"sample", {{"productId", product}, {"svn", svn}}}}}}}}}};
}

struct EngineCase {
  const char* policy;
  const char* plugin;
  std::vector<std::string> path;
  const char* product;
  int svn;
  bool allow;
};

TEST(RegoTestdata, PolicyEngineCases) {
  const EngineCase cases[] = {
      {"policy_1", "resource", {"my_repo", "Alice", "key"}, "Alice", 1, true},
      {"policy_1", "another-plugin", {"my_repo", "Alice", "key"}, "Alice", 1, false},
      {"policy_4", "resource", {"my_repo", "Alice", "key"}, "Alice", 1, true},
      {"policy_1", "resource", {"my_repo", "Alice", "key"}, "Bob", 1, false},
      {"policy_3", "resource", {"my_repo", "Alice", "key"}, "Alice", 1, false},
      {"policy_5", "resource", {"myrepo", "secret", "secret"}, "n", 2, false},
      {"policy_5", "resource", {"myrepo", "secret", "secret1"}, "n", 1, false},
      {"policy_5", "resource", {"myrepo", "secret", "secret2"}, "n", 2, false},
      {"policy_5", "resource", {"myrepo", "secret", "secret3"}, "n", 3, false},
      {"policy_5", "resource", {"a", "b", "secret2"}, "n", 3, false},
      {"policy_5", "abc", {}, "n", 3, false},
  };
  for (const auto& c : cases) {
    auto p = Load(std::string("policy-engine/") + c.policy + ".rego");
    ASSERT_TRUE(p);
    Json data = {{"plugin", c.plugin}, {"resource-path", c.path}, {"query", Json::object()}};
    auto r = p->Query("data.policy.allow", EngineInput(c.product, c.svn), data);
    ASSERT_TRUE(r) << c.policy << ": " << r.error().message();
    EXPECT_EQ(*r, Json(c.allow)) << c.policy << " " << c.plugin << " " << c.product;
  }
}

TEST(RegoTestdata, Policy5AllowsWhenSvnMet) {
  auto p = Load("policy-engine/policy_5.rego");
  ASSERT_TRUE(p);
  Json data = {{"plugin", "resource"}, {"resource-path", {"myrepo", "secret", "secret2"}}};
  auto r = p->Query("data.policy.allow", EngineInput("n", 3), data);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, Json(true));
}

TEST(RegoTestdata, KbsResourcePoliciesOnSyntheticEarToken) {
  auto token = base::ParseJson(Read(COCOON_TESTDATA_DIR "/token/synthetic-ear-token.json"));
  ASSERT_TRUE(token);
  const Json& claims = (*token)["claims"];
  Json data = {{"plugin", "resource"},
               {"resource-path", {"default", "key", "1"}},
               {"query", Json::object()}};
  auto allow = [&](const char* file) {
    auto p = Load(std::string("kbs-resource/") + file);
    EXPECT_TRUE(p);
    auto r = p->Query("data.policy.allow", claims, data);
    EXPECT_TRUE(r) << r.error().message();
    return *r;
  };
  EXPECT_EQ(allow("default.rego"), Json(false));
  EXPECT_EQ(allow("allow_all.rego"), Json(true));
  EXPECT_EQ(allow("affirming.rego"), Json(false));
  EXPECT_EQ(allow("deny_all.rego"), Json(false));
}

Json SampleInput() {
  return {{"sample",
           {{"svn", "1"},
            {"launch_digest", "abcde"},
            {"platform_version", {{"major", 1}, {"minor", 4}}},
            {"debug", false}}}};
}

TEST(RegoTestdata, EarCpuPolicyWithoutReferenceValues) {
  auto p = Load("as-ear/ear_default_policy_cpu.rego");
  ASSERT_TRUE(p);
  auto tc = p->Query("data.policy.trust_claims", SampleInput(), Json::object());
  ASSERT_TRUE(tc) << tc.error().message();
  EXPECT_EQ((*tc)["executables"], 33);
  EXPECT_EQ((*tc)["hardware"], 97);
  EXPECT_EQ((*tc)["configuration"], 2);
  EXPECT_EQ((*tc)["file-system"], 0);
  auto ext = p->Query("data.policy.extensions", SampleInput(), Json::object());
  ASSERT_TRUE(ext) << ext.error().message();
  EXPECT_EQ(*ext, J(R"([{"name":"ear.trustee.identifiers","key":-18,
                                   "value":{"validated":{}}}])"));
}

TEST(RegoTestdata, EarCpuPolicyWithReferenceValues) {
  auto p = Load("as-ear/ear_default_policy_cpu.rego");
  ASSERT_TRUE(p);
  Json rvs = {{"launch_digest", {"abcde"}},
              {"svn", {"1"}},
              {"major_version", 1},
              {"minimum_minor_version", 2}};
  auto lookup = [&](std::string_view id) {
    auto it = rvs.find(id);
    return it == rvs.end() ? Json(nullptr) : *it;
  };
  auto tc = p->Query("data.policy.trust_claims", SampleInput(), Json::object(), lookup);
  ASSERT_TRUE(tc) << tc.error().message();
  EXPECT_EQ((*tc)["executables"], 3);
  EXPECT_EQ((*tc)["hardware"], 2);
  rvs["minimum_minor_version"] = 5;
  tc = p->Query("data.policy.trust_claims", SampleInput(), Json::object(), lookup);
  ASSERT_TRUE(tc);
  EXPECT_EQ((*tc)["hardware"], 97);
}

TEST(RegoTestdata, EarCpuPolicyContainerIdentifiers) {
  auto p = Load("as-ear/ear_default_policy_cpu.rego");
  ASSERT_TRUE(p);
  Json input = SampleInput();
  input["init_data_claims"]["agent_policy_claims"]["containers"] = J(
      R"([{"OCI":{"Annotations":{"io.kubernetes.cri.image-name":"busybox"},
                  "Process":{"User":{"UID":0}}}}])");
  auto ext = p->Query("data.policy.extensions", input, Json::object());
  ASSERT_TRUE(ext) << ext.error().message();
  EXPECT_EQ((*ext)[0]["value"]["validated"],
            J(R"({"container_images":["busybox"],"container_uids":[0]})"));
}

TEST(RegoTestdata, EarSamplePolicyUsesDataReference) {
  auto p = Load("as-ear/ear_sample.rego");
  ASSERT_TRUE(p);
  Json data = {{"reference",
                {{"launch_digest", {"abcde"}},
                 {"svn", {"1"}},
                 {"major_version", 1},
                 {"minimum_minor_version", 2}}}};
  auto tc = p->Query("data.policy.trust_claims", SampleInput(), data);
  ASSERT_TRUE(tc) << tc.error().message();
  EXPECT_EQ((*tc)["executables"], 3);
  EXPECT_EQ((*tc)["hardware"], 2);
}

TEST(RegoTestdata, EarGpuPolicyElseChain) {
  auto p = Load("as-ear/ear_default_policy_gpu.rego");
  ASSERT_TRUE(p);
  Json input = {{"nvidia", {{"secboot", true}, {"dbgstat", "disabled"}}}};
  auto tc = p->Query("data.policy.trust_claims", input, Json::object());
  ASSERT_TRUE(tc) << tc.error().message();
  EXPECT_EQ((*tc)["configuration"], 3);  // no RVs: the else branch
  EXPECT_EQ((*tc)["hardware"], 97);
}

TEST(RegoTestdata, EveryEarPolicyProducesTrustClaims) {
  for (const char* f :
       {"ear_default_policy_cpu", "ear_default_policy_gpu", "ear_default_policy_ppcie",
        "ear_default_policy_switch", "ear_no_rv_policy_cpu", "ear_sample"}) {
    auto p = Load(std::string("as-ear/") + f + ".rego");
    ASSERT_TRUE(p);
    auto tc = p->Query("data.policy.trust_claims", SampleInput(), Json::object());
    ASSERT_TRUE(tc) << f << ": " << tc.error().message();
    EXPECT_TRUE(tc->is_object()) << f;
  }
  auto p = Load("as-ear/ear_no_rv_policy_cpu.rego");
  ASSERT_TRUE(p);
  auto tc = p->Query("data.policy.trust_claims", SampleInput(), Json::object());
  ASSERT_TRUE(tc);
  EXPECT_EQ((*tc)["executables"], 3);
  EXPECT_EQ((*tc)["hardware"], 2);
  EXPECT_EQ((*tc)["configuration"], 2);
}

TEST(RegoTestdata, LegacyExamplePolicies) {
  auto p = Load("as-tests/example-3.rego");
  ASSERT_TRUE(p);
  Json input = {{"se.version", 256}, {"se.user_data", "00"}};
  auto v = p->Query("data.policy.converted_version", input, Json::object());
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, Json("256"));
}

// The Kata agent policy embedded in the initdata fixture (genpolicy output, evaluated per
// request as data.agent_policy.<RequestName>).
TEST(RegoTestdata, KataAgentPolicyFromInitData) {
  std::string toml = Read(COCOON_TESTDATA_DIR "/initdata/init-data-with-policy.toml");
  const std::string open = "\"policy.rego\" = '''";
  size_t a = toml.find(open);
  ASSERT_NE(a, std::string::npos);
  a += open.size();
  size_t b = toml.find("'''", a);
  ASSERT_NE(b, std::string::npos);
  auto p = NewRegoEngine()->Compile("agent.rego", toml.substr(a, b - a));
  ASSERT_TRUE(p) << p.error().message();
  auto query = [&](const char* rule, const Json& input) {
    auto r = (*p)->Query(std::string("data.agent_policy.") + rule, input, Json::object());
    EXPECT_TRUE(r) << rule << ": " << r.error().message();
    return r ? *r : Json();
  };
  EXPECT_EQ(query("GuestDetailsRequest", Json::object()), Json(true));
  std::string ok_path = "/run/kata-containers/shared/containers/" + std::string(64, 'a') + "-" +
                        std::string(16, 'b') + "-resolv.conf";
  EXPECT_EQ(query("CopyFileRequest", {{"path", ok_path}}), Json(true));
  EXPECT_EQ(query("CopyFileRequest", {{"path", "/etc/../passwd"}}), Json(false));
  EXPECT_EQ(query("CreateSandboxRequest", {{"guest_hook_path", ""},
                                           {"kernel_modules", Json::array()},
                                           {"sandbox_pidns", false},
                                           {"storages", Json::array()}}),
            Json(true));
  EXPECT_EQ(query("ExecProcessRequest", {{"container_id", "x"}, {"process", {{"Args", {"ls"}}}}}),
            Json(false));
}

TEST(RegoTestdata, ConcurrentQueriesOnOneCompiledPolicy) {
  auto p = Load("policy-engine/policy_1.rego");
  ASSERT_TRUE(p);
  Json data = {{"plugin", "resource"}, {"resource-path", {"my_repo", "Alice", "key"}}};
  std::vector<std::thread> threads;
  std::vector<int> allowed(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto r = p->Query("data.policy.allow", EngineInput(i % 2 ? "Alice" : "Bob", 1), data);
        if (r && *r == Json(true)) ++allowed[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int n : allowed) EXPECT_EQ(n, 100);
}

}  // namespace
}  // namespace cocoon::policy
