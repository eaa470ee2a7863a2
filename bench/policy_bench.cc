// Policy evaluation benchmark (issue 3): evaluations per second, on one core, of Trustee's
// default resource policy (over EAR token claims) and of the default EAR CPU policy (over an SNP
// claims document with reference values) on cocoon's Rego interpreter, side by side with the
// built-in C++ stand-ins in the same run. Policies are read from testdata/policy.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "base/file.h"
#include "policy/rego_engine.h"
#include "policy/testing/builtin.h"

namespace {

using cocoon::Json;

// Median over `rounds` of evaluations/s, each round `per_round` evaluations.
double Rate(const std::function<bool()>& eval, int rounds, int per_round) {
  std::vector<double> rates;
  for (int r = 0; r < rounds; ++r) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < per_round; ++i) {
      if (!eval()) return -1;
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rates.push_back(per_round / s);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

// An SNP claims document shaped like the snp verifier's output (src/tee/snp/verifier.cc).
Json SnpInput() {
  Json snp = {{"policy_abi_major", 0},
              {"policy_abi_minor", 31},
              {"policy_smt_allowed", true},
              {"policy_migrate_ma", false},
              {"policy_debug_allowed", false},
              {"policy_single_socket", false},
              {"reported_tcb_bootloader", 3},
              {"reported_tcb_tee", 0},
              {"reported_tcb_snp", 8},
              {"reported_tcb_microcode", 115},
              {"platform_tsme_enabled", true},
              {"platform_smt_enabled", true},
              {"measurement", std::string(96, 'a')},
              {"report_data", std::string(128, '0')},
              {"init_data", std::string(64, '0')},
              {"chip_id", std::string(128, 'c')}};
  return {{"snp", snp},
          {"report_data", std::string(128, '0')},
          {"runtime_data_claims", {{"nonce", "bm9uY2U="}}},
          {"init_data", std::string(64, '0')},
          {"init_data_claims", Json::object()}};
}

Json SnpReferenceValues() {
  return {{"snp_launch_measurement", {std::string(96, 'a')}},
          {"snp_bootloader", {3}},
          {"snp_microcode", {115}},
          {"snp_snp_svn", {8}},
          {"snp_tee_svn", {0}},
          {"snp_smt_enabled", true},
          {"snp_tsme_enabled", true},
          {"snp_guest_abi_major", 0},
          {"snp_guest_abi_minor", 31},
          {"snp_single_socket", false},
          {"snp_smt_allowed", true}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Policy evaluation benchmark (see docs/PERFORMANCE.md)"};
  std::string dir = std::string(COCOON_SOURCE_DIR) + "/testdata/policy";
  int rounds = 5, per_round = 20000;
  app.add_option("--policy-dir", dir)->capture_default_str();
  app.add_option("--rounds", rounds)->capture_default_str();
  app.add_option("--per-round", per_round)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto engine = cocoon::policy::NewRegoEngine();
  auto resource_src = cocoon::base::ReadFile(dir + "/kbs-resource/default.rego");
  auto ear_src = cocoon::base::ReadFile(dir + "/as-ear/ear_default_policy_cpu.rego");
  if (!resource_src || !ear_src) {
    std::fprintf(stderr, "cannot read policies under %s\n", dir.c_str());
    return 1;
  }
  auto resource = engine->Compile("default.rego", *resource_src);
  auto ear = engine->Compile("ear_default_policy_cpu.rego", *ear_src);
  if (!resource || !ear) {
    std::fprintf(stderr, "compile failed\n");
    return 1;
  }
  auto builtin_resource = *cocoon::policy::BuiltinResourcePolicy("default");

  Json claims = {{"submods",
                  {{"cpu0",
                    {{"ear.status", "affirming"},
                     {"ear.veraison.annotated-evidence", {{"snp", SnpInput()["snp"]}}}}}}}};
  Json data = {{"plugin", "resource"},
               {"resource-path", {"default", "key", "1"}},
               {"query", Json::object()}};
  Json snp = SnpInput();
  Json rvs = SnpReferenceValues();
  cocoon::policy::ReferenceValueLookup lookup = [&](std::string_view id) {
    auto it = rvs.find(id);
    return it == rvs.end() ? Json(nullptr) : *it;
  };

  auto allow = [&](const cocoon::policy::Policy& p) {
    auto r = p.Query("data.policy.allow", claims, data);
    return r && *r == Json(true);
  };
  auto trust = [&](const cocoon::policy::Policy& p) {
    auto r = p.Query("data.policy.trust_claims", snp, Json::object(), lookup);
    return r && (*r)["executables"] == 3 && (*r)["hardware"] == 2;
  };
  double rego_resource = Rate([&] { return allow(**resource); }, rounds, per_round);
  double builtin_res = Rate([&] { return allow(*builtin_resource); }, rounds, per_round);
  double rego_ear = Rate([&] { return trust(**ear); }, rounds, per_round / 4);

  std::printf("| policy | engine | evaluations/s (median of %d) |\n|---|---|---|\n", rounds);
  std::printf("| default resource policy (allow) | Rego | %.0f |\n", rego_resource);
  std::printf("| default resource policy (allow) | built-in C++ | %.0f |\n", builtin_res);
  std::printf("| EAR CPU policy, SNP claims + RVs (trust_claims) | Rego | %.0f |\n", rego_ear);
  std::printf("(built-in EAR stand-in covers only the sample TEE; not comparable for SNP)\n");
  bool ok = rego_resource > 0 && builtin_res > 0 && rego_ear > 0;
  if (!ok) std::fprintf(stderr, "an evaluation gave an unexpected result\n");
  return ok ? 0 : 2;
}
