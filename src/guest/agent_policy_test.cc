// Agent policy: allow-all default, a deny-exec policy, undefined rules, the kata genpolicy policy
// from the initdata fixture, and the JSON the policy sees.
#include "guest/agent_policy.h"

#include <gtest/gtest.h>

#include "agent.pb.h"
#include "base/file.h"
#include "initdata/initdata.h"

namespace cocoon::guest {
namespace {

constexpr char kDenyExec[] = R"(package agent_policy
default CreateContainerRequest := true
default ExecProcessRequest := false
)";

TEST(AgentPolicy, AllowAllAllowsEveryRequest) {
  auto p = AgentPolicy::Compile(kAllowAllAgentPolicy);
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_TRUE((*p)->Check(::grpc::ExecProcessRequest()));
  EXPECT_TRUE((*p)->Check(::grpc::CreateContainerRequest()));
  EXPECT_TRUE((*p)->Check(::grpc::ReadStreamRequest()));
  EXPECT_TRUE((*p)->Check(::grpc::GuestDetailsRequest()));
}

TEST(AgentPolicy, DenyExecRefusesOnlyExec) {
  auto p = AgentPolicy::Compile(kDenyExec);
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_TRUE((*p)->Check(::grpc::CreateContainerRequest()));
  auto st = (*p)->Check(::grpc::ExecProcessRequest());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
  EXPECT_EQ(st.error().message(), "ExecProcessRequest is blocked by policy");
  auto undefined = (*p)->Check(::grpc::WaitProcessRequest());  // no rule at all
  ASSERT_FALSE(undefined);
  EXPECT_EQ(undefined.error().code(), Code::kPermissionDenied);
}

TEST(AgentPolicy, MalformedPolicyIsInvalidArgument) {
  auto p = AgentPolicy::Compile("package agent_policy\ndefault X := \n");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), Code::kInvalidArgument);
}

TEST(AgentPolicy, RequestJsonUsesProtoFieldNamesAndDefaults) {
  ::grpc::CreateContainerRequest r;
  r.set_container_id("c1");
  r.mutable_oci()->mutable_process()->add_args("/bin/sh");
  auto j = RequestToJson(r);
  ASSERT_TRUE(j) << j.error().ToString();
  EXPECT_EQ((*j)["container_id"], "c1");
  EXPECT_EQ((*j)["OCI"]["Process"]["Args"][0], "/bin/sh");
  EXPECT_EQ((*j)["sandbox_pidns"], false);
  EXPECT_TRUE((*j)["storages"].is_array());
}

TEST(AgentPolicy, KataGenpolicyFromInitDataLoads) {
  auto toml = base::ReadFile(COCOON_TESTDATA_DIR "/initdata/init-data-with-policy.toml");
  ASSERT_TRUE(toml);
  auto cfg = initdata::ParseDocument(*toml);
  ASSERT_TRUE(cfg) << cfg.error().ToString();
  ASSERT_FALSE(cfg->agent_policy.empty());
  auto p = AgentPolicy::Compile(cfg->agent_policy);
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_TRUE((*p)->Check(::grpc::GuestDetailsRequest()));
  ::grpc::ExecProcessRequest exec;
  exec.set_container_id("x");
  exec.mutable_process()->add_args("ls");
  auto st = (*p)->Check(exec);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
}

}  // namespace
}  // namespace cocoon::guest
