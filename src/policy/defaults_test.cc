// cocoon's embedded default policies against Trustee's shipped ones (testdata/policy):
// the same decisions over a table of inputs and reference-value sets, including leave-one-out
// variants of every reference value, and against the C++ stand-ins they replace.
#include "policy/defaults.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy/rego_engine.h"
#include "policy/testing/builtin.h"
#include "testutil/testdata.h"

namespace cocoon::policy {
namespace {

std::shared_ptr<const Policy> Trustee(const std::string& rel) {
  auto p = NewRegoEngine()->Compile(rel, testutil::ReadTestdata("policy/" + rel));
  EXPECT_TRUE(p) << p.error().message();
  return p ? *p : nullptr;
}

ReferenceValueLookup Lookup(const Json& rvs) {
  return [rvs](std::string_view id) {
    auto it = rvs.find(id);
    return it == rvs.end() ? Json(nullptr) : *it;
  };
}

TEST(DefaultPolicies, AllEmbeddedPoliciesCompile) {
  auto names = DefaultPolicyNames();
  EXPECT_EQ(names.size(), 5u);
  for (auto name : names) {
    auto p = NewRegoEngine()->Compile(name, DefaultPolicySource(name));
    EXPECT_TRUE(p) << name << ": " << p.error().message();
  }
  EXPECT_EQ(DefaultResourcePolicy("opa").error().code(), Code::kNotFound);
  EXPECT_TRUE(DefaultEarPolicy());
}

TEST(DefaultPolicies, ResourcePoliciesDecideAsTrusteeAndStandIns) {
  std::vector<Json> inputs = {
      Json::object(),
      {{"submods", Json::object()}},
      {{"submods",
        {{"cpu0",
          {{"ear.status", "affirming"},
           {"ear.veraison.annotated-evidence", {{"sample", {{"svn", "1"}}}}}}}}}},
      {{"submods",
        {{"cpu0",
          {{"ear.status", "affirming"},
           {"ear.veraison.annotated-evidence", {{"snp", {{"measurement", "ab"}}}}}}}}}},
      {{"submods",
        {{"cpu0",
          {{"ear.status", "contraindicated"},
           {"ear.veraison.annotated-evidence", {{"tdx", Json::object()}}}}}}}},
      {{"submods",
        {{"cpu0", {{"ear.status", "affirming"}}}, {"gpu0", {{"ear.status", "warning"}}}}}},
      {{"submods",
        {{"cpu0", {{"ear.status", "affirming"}}}, {"gpu0", {{"ear.status", "affirming"}}}}}},
      {{"submods", {{"cpu0", {{"ear.veraison.annotated-evidence", {{"sample", false}}}}}}}},
      // 8, 9: debuggable guests whose appraisal is otherwise affirming.
      {{"submods",
        {{"cpu0",
          {{"ear.status", "affirming"},
           {"ear.veraison.annotated-evidence", {{"snp", {{"policy_debug_allowed", true}}}}}}}}}},
      {{"submods",
        {{"cpu0",
          {{"ear.status", "affirming"},
           {"ear.veraison.annotated-evidence",
            {{"tdx", {{"td_attributes", {{"debug", true}}}}}}}}}}}},
  };
  // Deliberate differences of cocoon's default from Trustee's: it refuses a contraindicated
  // appraisal (input 4) and a debuggable guest (8, 9) that Trustee's serves.
  auto refused_by_cocoon_default = [](size_t i) { return i == 4 || i == 8 || i == 9; };
  std::vector<Json> datas = {
      {{"plugin", "resource"},
       {"resource-path", {"default", "key", "1"}},
       {"query", Json::object()}},
      {{"plugin", "sealed-secret"}, {"resource-path", {"x"}}, {"query", Json::object()}},
      Json::object(),
  };
  for (std::string name : {"default", "allow_all", "deny_all", "affirming"}) {
    auto ours = DefaultResourcePolicy(name);
    ASSERT_TRUE(ours) << ours.error().message();
    auto trustee = Trustee("kbs-resource/" + name + ".rego");
    auto stand_in = BuiltinResourcePolicy(name);
    ASSERT_TRUE(trustee && stand_in);
    for (size_t i = 0; i < inputs.size(); ++i) {
      for (size_t j = 0; j < datas.size(); ++j) {
        auto a = (*ours)->Query("data.policy.allow", inputs[i], datas[j]);
        auto b = trustee->Query("data.policy.allow", inputs[i], datas[j]);
        auto c = (*stand_in)->Query("data.policy.allow", inputs[i], datas[j]);
        ASSERT_TRUE(a && b && c) << name;
        EXPECT_TRUE(a->is_boolean()) << name;
        if (name == "affirming" && i == 7) {
          // Deliberate difference: Trustee's affirming.rego treats a submodule without
          // "ear.status" as affirming (its `!=` is undefined there); cocoon's requires it.
          EXPECT_EQ(*a, Json(false));
          EXPECT_EQ(*b, Json(true));
          continue;
        }
        if (name == "default" && refused_by_cocoon_default(i)) {
          EXPECT_EQ(*a, Json(false)) << "input " << i << " data " << j;
          EXPECT_EQ(*b, Json(j == 0)) << "input " << i << " data " << j;
          EXPECT_EQ(*a, *c) << name << " input " << i << " data " << j;
          continue;
        }
        EXPECT_EQ(*a, *b) << name << " input " << i << " data " << j;
        EXPECT_EQ(*a, *c) << name << " input " << i << " data " << j;
      }
    }
  }
}

// One TEE's claims plus the reference values under which every check passes.
struct TeeCase {
  std::string name;
  Json input;
  Json matching_rvs;
};

std::vector<TeeCase> TeeCases() {
  Json snp = {{"measurement", "aa11"},          {"reported_tcb_bootloader", 3},
              {"reported_tcb_microcode", 209},  {"reported_tcb_snp", 22},
              {"reported_tcb_tee", 0},          {"policy_debug_allowed", false},
              {"policy_migrate_ma", false},     {"platform_smt_enabled", true},
              {"platform_tsme_enabled", false}, {"policy_abi_major", 0},
              {"policy_abi_minor", 31},         {"policy_single_socket", false},
              {"policy_smt_allowed", true}};
  Json snp_rvs = {{"snp_launch_measurement", {"aa11"}},
                  {"snp_bootloader", {3}},
                  {"snp_microcode", {209}},
                  {"snp_snp_svn", {22}},
                  {"snp_tee_svn", {0}},
                  {"snp_smt_enabled", true},
                  {"snp_tsme_enabled", false},
                  {"snp_guest_abi_major", 0},
                  {"snp_guest_abi_minor", 31},
                  {"snp_single_socket", false},
                  {"snp_smt_allowed", true}};
  Json tdx = testutil::TestdataJson("tdx/parse_tdx_claims_expected.json");
  EXPECT_TRUE(tdx.is_object());
  tdx["tcb_status"] = "UpToDate";
  tdx["collateral_expiration_status"] = "0";
  tdx["td_attributes"] = {{"debug", false}};
  tdx["quote"]["header"]["tee_type"] = "81000000";
  tdx["quote"]["header"]["vendor_id"] = "939a7233f79c4ca9940a0db3957f0607";
  tdx["uefi_event_logs"] =
      Json::array({{{"type_name", "EV_EFI_BOOT_SERVICES_APPLICATION"},
                    {"details", {{"device_paths", {"PciRoot(0x0)", "File(kernel)"}}}},
                    {"digests", {{{"alg", "SHA-384"}, {"digest", "k1"}}}}},
                   {{"type_name", "EV_EVENT_TAG"},
                    {"details", {{"string", "LOADED_IMAGE::LoadOptions"}}},
                    {"digests", {{{"alg", "SHA-384"}, {"digest", "p1"}}}}}});
  const Json& body = tdx["quote"]["body"];
  Json tdx_rvs = {{"rtmr_1", {body["rtmr_1"]}}, {"rtmr_2", {body["rtmr_2"]}},
                  {"mr_td", {body["mr_td"]}},   {"xfam", {body.value("xfam", Json("e7"))}},
                  {"tdvfkernel", "k1"},         {"tdvfkernelparams", "p1"}};
  if (!body.contains("xfam")) tdx["quote"]["body"]["xfam"] = "e7";
  Json az_snp = snp;
  az_snp["tpm"] = {{"pcr11", "bb"}};
  Json az_snp_rvs = {
      {"measurement", {"aa11"}}, {"snp_pcr11", {"bb"}},      {"tcb_bootloader", {3}},
      {"tcb_microcode", {209}},  {"tcb_snp", {22}},          {"tcb_tee", {0}},
      {"smt_enabled", {true}},   {"tsme_enabled", {false}},  {"abi_major", {0}},
      {"abi_minor", {31}},       {"single_socket", {false}}, {"smt_allowed", {true}}};
  Json az_tdx = {{"quote", tdx["quote"]}, {"tcb_status", "UpToDate"}, {"tpm", {{"pcr11", "cc"}}}};
  Json az_tdx_rvs = {{"tdx_pcr11", {"cc"}}, {"mr_td", {body["mr_td"]}}, {"xfam", tdx_rvs["xfam"]}};
  Json tpm = {{"pcr11", "dd"}, {"ak_public", "ak"}};
  Json tpm_rvs = {{"tpm_pcr11", {"dd"}}, {"trusted_aks", {"ak"}}};
  Json sample = {{"svn", "1"},
                 {"launch_digest", "abcde"},
                 {"platform_version", {{"major", 1}, {"minor", 4}}},
                 {"debug", false}};
  Json sample_rvs = {{"launch_digest", {"abcde"}},
                     {"svn", {"1"}},
                     {"major_version", 1},
                     {"minimum_minor_version", 2}};
  Json containers = Json::parse(R"([
      {"OCI":{"Annotations":{"io.kubernetes.cri.image-name":"busybox"},"Process":{"User":{"UID":0}}}},
      {"OCI":{"Annotations":{},"Process":{"User":{"UID":1000}}}}])");
  Json sample_with_initdata = {{"sample", sample}};
  sample_with_initdata["init_data_claims"]["agent_policy_claims"]["containers"] = containers;
  return {{"sample", {{"sample", sample}}, sample_rvs},
          {"sample-initdata", sample_with_initdata, sample_rvs},
          {"snp", {{"snp", snp}}, snp_rvs},
          {"tdx", {{"tdx", tdx}}, tdx_rvs},
          {"az-snp-vtpm", {{"az-snp-vtpm", az_snp}}, az_snp_rvs},
          {"az-tdx-vtpm", {{"az-tdx-vtpm", az_tdx}}, az_tdx_rvs},
          {"tpm", {{"tpm", tpm}}, tpm_rvs},
          {"se", {{"se", Json::object()}}, Json::object()},
          {"unknown", {{"cca", Json::object()}}, Json::object()}};
}

void ExpectSameAppraisal(const Policy& ours, const Policy& trustee, const Json& input,
                         const Json& rvs, const std::string& what) {
  for (const char* rule : {"data.policy.trust_claims", "data.policy.extensions"}) {
    auto a = ours.Query(rule, input, Json::object(), Lookup(rvs));
    auto b = trustee.Query(rule, input, Json::object(), Lookup(rvs));
    ASSERT_TRUE(a) << what << ": " << a.error().message();
    ASSERT_TRUE(b) << what << ": " << b.error().message();
    EXPECT_EQ(*a, *b) << what << " " << rule;
  }
}

TEST(DefaultPolicies, EarCpuPolicyAppraisesAsTrustee) {
  auto ours = DefaultEarPolicy();
  ASSERT_TRUE(ours) << ours.error().message();
  auto trustee = Trustee("as-ear/ear_default_policy_cpu.rego");
  ASSERT_TRUE(trustee);
  int compared = 0;
  for (const auto& tc : TeeCases()) {
    ExpectSameAppraisal(**ours, *trustee, tc.input, Json::object(), tc.name + " no RVs");
    ExpectSameAppraisal(**ours, *trustee, tc.input, tc.matching_rvs, tc.name + " all RVs");
    for (const auto& [id, value] : tc.matching_rvs.items()) {
      Json without = tc.matching_rvs;
      without.erase(id);
      ExpectSameAppraisal(**ours, *trustee, tc.input, without, tc.name + " without " + id);
      Json wrong = tc.matching_rvs;
      wrong[id] = value.is_array() ? Json::array({"nope"}) : Json("nope");
      ExpectSameAppraisal(**ours, *trustee, tc.input, wrong, tc.name + " wrong " + id);
      compared += 2;
    }
    compared += 2;
  }
  EXPECT_GT(compared, 100);
}

TEST(DefaultPolicies, EarCpuPolicyRewardsMatchingEvidence) {
  auto ours = DefaultEarPolicy();
  ASSERT_TRUE(ours);
  for (const auto& tc : TeeCases()) {
    if (tc.name == "unknown" || tc.name == "se") continue;
    auto tcv = (*ours)->Query("data.policy.trust_claims", tc.input, Json::object(),
                              Lookup(tc.matching_rvs));
    ASSERT_TRUE(tcv) << tc.name;
    EXPECT_EQ((*tcv)["executables"], 3) << tc.name;
    EXPECT_EQ((*tcv)["hardware"], 2) << tc.name;
  }
  // Debug allowed on SNP or TDX: configuration 96 ("unsupportable", so the EAR status is
  // contraindicated; Trustee leaves it at 36); the executables are unaffected.
  auto snp = TeeCases()[2];
  snp.input["snp"]["policy_debug_allowed"] = true;
  auto tcv = (*ours)->Query("data.policy.trust_claims", snp.input, Json::object(),
                            Lookup(snp.matching_rvs));
  ASSERT_TRUE(tcv);
  EXPECT_EQ((*tcv)["configuration"], 96);
  EXPECT_EQ((*tcv)["executables"], 3);
  auto tdx = TeeCases()[3];
  tdx.input["tdx"]["td_attributes"]["debug"] = true;
  auto tdx_tcv = (*ours)->Query("data.policy.trust_claims", tdx.input, Json::object(),
                                Lookup(tdx.matching_rvs));
  ASSERT_TRUE(tdx_tcv);
  EXPECT_EQ((*tdx_tcv)["configuration"], 96);
  // No reference values at all: hardware is "unrecognised" (97) for a real TEE.
  tcv = (*ours)->Query("data.policy.trust_claims", snp.input, Json::object(), Lookup({}));
  ASSERT_TRUE(tcv);
  EXPECT_EQ((*tcv)["hardware"], 97);
}

TEST(DefaultPolicies, EarCpuPolicyMatchesStandIn) {
  auto ours = DefaultEarPolicy();
  ASSERT_TRUE(ours);
  auto stand_in = BuiltinEarPolicy();
  auto tc = TeeCases()[1];
  for (const Json& rvs : {Json::object(), tc.matching_rvs}) {
    for (const char* rule : {"data.policy.trust_claims", "data.policy.extensions"}) {
      auto a = (*ours)->Query(rule, tc.input, Json::object(), Lookup(rvs));
      auto b = stand_in->Query(rule, tc.input, Json::object(), Lookup(rvs));
      ASSERT_TRUE(a && b);
      EXPECT_EQ(*a, *b) << rule;
    }
  }
}

}  // namespace
}  // namespace cocoon::policy
