// `cocoon initdata` end to end: the real cocoon binary writes the initdata a pod of an image gets
// (what `cocoon run` would give it), as TOML or as CoCo's pod annotation value, names the host
// services the pod VM will reach, and refuses what the pod VM could not reach.
#include <gtest/gtest.h>

#include "initdata/annotation.h"
#include "initdata/initdata.h"
#include "tests/harness.h"

namespace cocoon {
namespace {

class InitDataCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_.Write("policy.json", R"({"default":[{"type":"reject"}]})"); }
  harness::CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {harness::BinaryPath("cocoon"), "initdata"});
    return harness::Run(args);
  }
  harness::TempDir dir_;
};

TEST_F(InitDataCli, WritesWhatThePodTrustsAndTheForwardsItNeeds) {
  auto r = Run({"--kbs", "http://127.0.0.1:8080", "--policy", dir_.File("policy.json"),
                "127.0.0.1:5000/app:v1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = initdata::ParseDocument(r.out);
  ASSERT_TRUE(doc) << doc.error().message() << "\n" << r.out;
  EXPECT_EQ(doc->kbs_url, "http://10.0.2.100:8080");
  EXPECT_EQ(doc->image_security_policy, R"({"default":[{"type":"reject"}]})");
  ASSERT_EQ(doc->registries.size(), 1u);
  EXPECT_NE(r.err.find("10.0.2.100:8080 -> 127.0.0.1:8080"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("10.0.2.100:5000 -> 127.0.0.1:5000"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("agent policy"), std::string::npos) << r.err;
}

TEST_F(InitDataCli, AnnotationIsBase64OfTheGzippedToml) {
  std::vector<std::string> args = {"--kbs", "http://127.0.0.1:8080", "--policy",
                                   dir_.File("policy.json"), "127.0.0.1:5000/app:v1"};
  auto plain = Run(args);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  args.insert(args.begin(), "--annotation");
  auto ann = Run(args);
  ASSERT_EQ(ann.exit_code, 0) << ann.err;
  ASSERT_TRUE(ann.out.ends_with("\n"));
  auto toml = initdata::DecodeAnnotation(ann.out.substr(0, ann.out.size() - 1));
  ASSERT_TRUE(toml) << toml.error().message();
  EXPECT_EQ(*toml, plain.out);
}

TEST_F(InitDataCli, RefusesWhatThePodVmCannotUse) {
  auto remote_kbs = Run({"--kbs", "http://kbs.example:8080", "--policy", dir_.File("policy.json"),
                         "127.0.0.1:5000/app:v1"});
  EXPECT_EQ(remote_kbs.exit_code, 2);
  EXPECT_NE(remote_kbs.err.find("kbs.example"), std::string::npos) << remote_kbs.err;
  auto no_policy = Run({"--kbs", "http://127.0.0.1:8080", "127.0.0.1:5000/app:v1"});
  EXPECT_EQ(no_policy.exit_code, 2);
  EXPECT_NE(no_policy.err.find("policy"), std::string::npos) << no_policy.err;
  EXPECT_NE(Run({}).exit_code, 0);
}

}  // namespace
}  // namespace cocoon
