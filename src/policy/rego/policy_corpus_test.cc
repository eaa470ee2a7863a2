// Every policy cocoon ships (src/policy/defaults) or accepts from the testdata (Trustee's KBS
// and AS policies, the Kata agent policy in the initdata fixture) compiles and evaluates its whole
// package without error, and the Kata policy's set logic gives OPA's answers on inputs that
// exercise sets (order, duplicates, missing and extra members).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/rego_engine.h"

namespace cocoon::policy {
namespace {

std::string Read(const std::filesystem::path& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::filesystem::path> RegoFiles(const std::string& dir) {
  std::vector<std::filesystem::path> out;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().extension() == ".rego") out.push_back(e.path());
  }
  return out;
}

std::string KataPolicy() {
  std::string toml = Read(COCOON_TESTDATA_DIR "/initdata/init-data-with-policy.toml");
  const std::string open = "\"policy.rego\" = '''";
  size_t a = toml.find(open);
  if (a == std::string::npos) return "";
  a += open.size();
  return toml.substr(a, toml.find("'''", a) - a);
}

TEST(RegoCorpus, EveryPolicyEvaluatesItsPackage) {
  std::vector<std::filesystem::path> files = RegoFiles(COCOON_SOURCE_DIR "/src/policy/defaults");
  size_t shipped = files.size();
  for (auto& f : RegoFiles(COCOON_TESTDATA_DIR "/policy")) files.push_back(f);
  EXPECT_GE(shipped, 5u);
  EXPECT_GE(files.size(), shipped + 17);
  Json input = {{"submods", {{"cpu0", {{"ear.status", "affirming"}}}}}};
  for (const auto& f : files) {
    auto p = NewRegoEngine()->Compile(f.filename().string(), Read(f));
    ASSERT_TRUE(p) << f << ": " << p.error().message();
    auto r = (*p)->Evaluate("data.policy", &input, Json::object());
    EXPECT_TRUE(r) << f << ": " << r.error().message();
  }
  auto kata = NewRegoEngine()->Compile("agent.rego", KataPolicy());
  ASSERT_TRUE(kata) << kata.error().message();
}

// match_caps compares the normalised capability sets of the policy and the request.
TEST(RegoCorpus, KataPolicySetsCompareAsSets) {
  auto p = NewRegoEngine()->Compile("agent.rego", KataPolicy());
  ASSERT_TRUE(p) << p.error().message();
  auto caps = [&](const std::string& list) -> Result<bool> {
    std::string q = "data.agent_policy.match_caps([\"$(default_caps)\"], " + list + ")";
    ASSIGN_OR_RETURN(auto sols, (*p)->QueryAll(q, nullptr, Json::object()));
    return !sols.empty() && sols[0].value == Json(true);
  };
  const std::string all =
      "\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FSETID\", \"CAP_FOWNER\", \"CAP_MKNOD\", "
      "\"CAP_NET_RAW\", \"CAP_SETGID\", \"CAP_SETUID\", \"CAP_SETFCAP\", \"CAP_SETPCAP\", "
      "\"CAP_NET_BIND_SERVICE\", \"CAP_SYS_CHROOT\", \"CAP_KILL\"";
  struct Case {
    const char* name;
    std::string list;
    bool want;
  } cases[] = {
      {"same order", "[" + all + ", \"CAP_AUDIT_WRITE\"]", true},
      {"reordered, duplicated, prefix stripped", "[\"AUDIT_WRITE\", " + all + ", \"CAP_KILL\"]",
       true},
      {"one missing", "[" + all + "]", false},
      {"one extra", "[" + all + ", \"CAP_AUDIT_WRITE\", \"CAP_SYS_ADMIN\"]", false},
  };
  for (const auto& c : cases) {
    auto r = caps(c.list);
    ASSERT_TRUE(r) << c.name << ": " << r.error().message();
    EXPECT_EQ(*r, c.want) << c.name;
  }
}

// Queries are any expressions; every solution comes with its bindings.
TEST(RegoCorpus, QueryAllReturnsBindings) {
  auto p = NewRegoEngine()->Compile("t.rego", "package p\nimport rego.v1\ns := {3, 1, 2}");
  ASSERT_TRUE(p);
  auto r = (*p)->QueryAll("some x in data.p.s; x > 1", nullptr, Json::object());
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].bindings, Json({{"x", 2}}));
  EXPECT_EQ((*r)[1].bindings, Json({{"x", 3}}));
  auto one = (*p)->QueryAll("data.p.s", nullptr, Json::object());
  ASSERT_TRUE(one && one->size() == 1);
  EXPECT_EQ(*(*one)[0].value, Json({1, 2, 3}));
  auto bad = (*p)->QueryAll("y > 1", nullptr, Json::object());
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().message().starts_with("query:1:1: rego_unsafe_var_error: var y"))
      << bad.error().message();
}

}  // namespace
}  // namespace cocoon::policy
