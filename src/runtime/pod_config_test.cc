// `cocoon run`'s options to the pod, without booting it: usage errors, the forwards, the
// initdata the guest gets, the agent policy it is told about, and how steps are printed.
#include "runtime/pod_config.h"

#include <gtest/gtest.h>

#include "initdata/initdata.h"
#include "runtime/pod_command.h"
#include "testutil/temp_dir.h"

namespace cocoon::runtime {
namespace {

class PodConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("auth.json", R"({"auths":{}})");
    dir_.Write("policy.json", R"({"default":[{"type":"reject"}]})");
    o_.authfile = dir_.File("auth.json");
    o_.image_and_args = {"127.0.0.1:5000/app:v1", "/bin/echo", "hi"};
  }
  Result<PodConfig> Build() {
    return BuildPodConfig(o_, [this](const std::string& w) { warnings_.push_back(w); });
  }
  std::string UsageError() {
    auto st = CheckPodRunOptions(o_);
    EXPECT_FALSE(st);
    if (st) return "";
    EXPECT_EQ(st.error().code(), Code::kInvalidArgument);
    return st.error().message();
  }
  testutil::TempDir dir_;
  PodRunOptions o_;
  std::vector<std::string> warnings_;
};

TEST_F(PodConfigTest, UsageErrors) {
  EXPECT_EQ(UsageError(),
            "no image signature policy: give --policy FILE (containers-policy.json) or "
            "--insecure-policy to run unsigned images");
  o_.insecure_policy = true;
  EXPECT_TRUE(CheckPodRunOptions(o_));
  o_.initdata = dir_.File("initdata.toml");
  EXPECT_EQ(UsageError(),
            "--initdata is used as given: it excludes --kbs, --policy, --agent-policy and "
            "--insecure-policy (put them in the initdata document)");
  o_.insecure_policy = false;
  EXPECT_TRUE(CheckPodRunOptions(o_));
  o_.accel = "hvf";
  EXPECT_EQ(UsageError(), "unknown accel \"hvf\" (expected auto|tcg|kvm)");
  o_.accel = "auto";
  o_.tee = "sgx";
  EXPECT_EQ(UsageError(), "unknown tee \"sgx\" (expected none|sev-snp|tdx)");
  o_.tee = "none";
  o_.image_and_args = {"docker://a b"};
  EXPECT_EQ(UsageError(), "IMAGE: image reference 'a b': invalid path component 'a b'");
  o_.image_and_args.clear();
  EXPECT_EQ(UsageError(), "IMAGE is required");
}

TEST_F(PodConfigTest, KbsAndRegistryAreForwardedAndNamedInTheInitdata) {
  o_.kbs = "http://127.0.0.1:8080/prefix";
  o_.policy = dir_.File("policy.json");
  o_.image_and_args[0] = "docker://127.0.0.1:5000/app:v1";
  auto c = Build();
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->spec.image, "127.0.0.1:5000/app:v1");
  EXPECT_EQ(c->spec.args, (std::vector<std::string>{"/bin/echo", "hi"}));
  EXPECT_EQ(c->spec.tee, Tee::kNone);
  EXPECT_EQ(c->spec.registry_auth, "");
  ASSERT_EQ(c->spec.services.size(), 2u);
  EXPECT_EQ(c->spec.services[0].guest_port, 5000);  // the registry (planned first)
  EXPECT_EQ(c->spec.services[0].host_port, 5000);
  EXPECT_EQ(c->spec.services[1].guest_port, 8080);  // the KBS
  EXPECT_EQ(c->spec.services[1].host, "127.0.0.1");
  auto doc = initdata::ParseDocument(c->spec.initdata);
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_EQ(doc->algorithm, "sha384");
  EXPECT_EQ(doc->kbs_url, "http://10.0.2.100:8080/prefix");
  EXPECT_EQ(doc->image_security_policy, R"({"default":[{"type":"reject"}]})");
  ASSERT_EQ(doc->registries.size(), 1u);
  EXPECT_EQ(doc->registries[0].prefix, "127.0.0.1:5000");
  EXPECT_EQ(doc->registries[0].location, "10.0.2.100:5000");
  EXPECT_TRUE(doc->agent_policy.empty());
  EXPECT_TRUE(warnings_.empty());
  EXPECT_EQ(c->agent_policy_step,
            "agent policy: the agent's default without a TEE: allow-all (development mode: the "
            "host may exec into the container)");
}

TEST_F(PodConfigTest, SnpAndTheVtpmBindSha256) {
  o_.insecure_policy = true;
  o_.vtpm = true;
  auto c = Build();
  ASSERT_TRUE(c) << c.error().ToString();
  auto doc = initdata::ParseDocument(c->spec.initdata);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->algorithm, "sha256");
  EXPECT_EQ(doc->image_security_policy, R"({"default":[{"type":"insecureAcceptAnything"}]})");
  EXPECT_EQ(c->agent_policy_step,
            "agent policy: the agent's TEE default: exec, copying files in and reading an exec's "
            "output are refused (--agent-policy FILE to change it)");
  o_.vtpm = false;
  o_.tee = "sev-snp";
  c = Build();
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->spec.tee, Tee::kSevSnp);
  EXPECT_EQ(initdata::ParseDocument(c->spec.initdata)->algorithm, "sha256");
  o_.tee = "tdx";
  c = Build();
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(initdata::ParseDocument(c->spec.initdata)->algorithm, "sha384");
}

TEST_F(PodConfigTest, AKbsBeyondLoopbackIsRefused) {
  o_.insecure_policy = true;
  o_.kbs = "http://kbs.example:8080";
  auto c = Build();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(c.error().message(),
            "--kbs: http://kbs.example:8080: the pod VM reaches only services on this host's "
            "loopback (127.0.0.1); run the KBS there or forward it");
  std::vector<ForwardedService> services;
  EXPECT_EQ(GuestKbsUrl("kbs.example", services).error().message(),
            "--kbs: 'kbs.example' is not a URL");
  EXPECT_EQ(*GuestKbsUrl("https://localhost", services), "https://10.0.2.100:443");
  EXPECT_EQ(*GuestKbsUrl("http://127.0.0.1:443/x", services), "http://10.0.2.100:443/x");
  ASSERT_EQ(services.size(), 1u) << "one forward per port";
}

TEST_F(PodConfigTest, AUsersInitdataIsUsedAsGivenWithTheServicesItNames) {
  std::string toml =
      "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n\"cdh.toml\" = '''\n[kbc]\n"
      "url = \"http://10.0.2.100:9000\"\n'''\n\"policy.rego\" = \"package agent_policy\"\n"
      "# also 10.0.2.100:9001\n";
  dir_.Write("initdata.toml", toml);
  o_.initdata = dir_.File("initdata.toml");
  auto c = Build();
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->spec.initdata, toml);
  std::vector<uint16_t> ports;
  for (const auto& s : c->spec.services) ports.push_back(s.guest_port);
  EXPECT_EQ(ports, (std::vector<uint16_t>{5000, 9000, 9001}));
  EXPECT_EQ(c->agent_policy_step, "agent policy: policy.rego of " + o_.initdata);
  o_.initdata = dir_.File("missing.toml");
  c = Build();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), Code::kNotFound);
}

TEST_F(PodConfigTest, AnAgentPolicyFileIsNamed) {
  dir_.Write("agent.rego", "package agent_policy\n");
  o_.insecure_policy = true;
  o_.agent_policy = dir_.File("agent.rego");
  auto c = Build();
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(initdata::ParseDocument(c->spec.initdata)->agent_policy, "package agent_policy\n");
  EXPECT_EQ(c->agent_policy_step, "agent policy: " + o_.agent_policy + " (--agent-policy)");
}

TEST_F(PodConfigTest, PlainHttpToARemoteRegistryIsWarnedAbout) {
  o_.insecure_policy = true;
  o_.tls_verify = false;
  o_.image_and_args = {"reg.example:5000/app:v1"};
  auto c = Build();
  ASSERT_TRUE(c) << c.error().ToString();
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0],
            "registry reg.example:5000 without TLS verification (plain HTTP allowed), as asked by "
            "--tls-verify=false / --insecure-registry");
  ASSERT_EQ(c->spec.services.size(), 1u);
  EXPECT_EQ(c->spec.services[0].host, "reg.example");
}

TEST(PodCommand, StepsAreNumberedAndOthersIndented) {
  EXPECT_EQ(FormatStep("attestation: sample evidence accepted"),
            "[1/4] attestation: sample evidence accepted");
  EXPECT_EQ(FormatStep("key released: kbs:///a/b/c"), "[2/4] key released: kbs:///a/b/c");
  EXPECT_EQ(FormatStep("image: x"), "[3/4] image: x");
  EXPECT_EQ(FormatStep("container started"), "[4/4] container started");
  EXPECT_EQ(FormatStep("agent ready"), "      agent ready");
}

TEST(PodCommand, TimingsAreOneJsonLine) {
  PodTimings t;
  t.vm_started = std::chrono::milliseconds(12);
  t.torn_down = std::chrono::milliseconds(3400);
  std::string j = TimingsJson(t);
  EXPECT_TRUE(j.ends_with("}\n"));
  EXPECT_NE(j.find("\"vm_started_ms\":12"), std::string::npos) << j;
  EXPECT_NE(j.find("\"torn_down_ms\":3400"), std::string::npos) << j;
  EXPECT_NE(j.find("\"attested_ms\":0"), std::string::npos) << j;
}

}  // namespace
}  // namespace cocoon::runtime
