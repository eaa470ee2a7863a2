// The agent service in process over a ttrpc socketpair (no VM, no OCI runtime): the default agent
// policy per TEE, the KBS URL the host may not change, and the initdata self-check stopping the
// sandbox.
#include "guest/agent_service.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <thread>

#include "base/encoding.h"
#include "initdata/initdata.h"
#include "net/ttrpc_client.h"
#include "policy/rego_engine.h"
#include "tee/sample/sample.h"
#include "tee/snp/evidence.h"
#include "tee/snp/testing/test_util.h"
#include "testutil/temp_dir.h"

namespace cocoon::guest {
namespace {

using namespace std::chrono_literals;

std::string InitData(std::string_view cdh) {
  return "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"cdh.toml\" = '''\n" +
         std::string(cdh) + "'''\n";
}
constexpr char kKbcA[] = "[kbc]\nname = \"cc_kbc\"\nurl = \"http://10.0.2.100:8080\"\n";

// SNP evidence whose HOSTDATA is `host_data` (what the guest's /dev/sev-guest would report).
class SnpAttester : public tee::Attester {
 public:
  explicit SnpAttester(Bytes host_data) : host_data_(std::move(host_data)) {}
  std::string_view tee() const override { return "snp"; }
  Result<Json> GetEvidence(ByteSpan) override {
    tee::snp::Report r = tee::snp::testing::SyntheticTurinReport();
    std::copy_n(host_data_.begin(), std::min<size_t>(host_data_.size(), 32), r.host_data.begin());
    return tee::snp::EvidenceToJson(r, {});
  }

 private:
  Bytes host_data_;
};

template <typename T>
Status Done(const Result<T>& r) {
  if (!r) return std::unexpected(r.error());
  return Ok();
}

// An AgentService serving one end of a socketpair; calls go through the other.
class Agent {
 public:
  // Create's own error, if any, is in `created`.
  explicit Agent(AgentConfig c) {
    c.work_dir = dir_.File("work");
    if (!c.attester_factory) c.attester_factory = [] { return tee::sample::NewAttester(); };
    c.log = [this](std::string_view l) { log += std::string(l) + "\n"; };
    c.progress = [this](std::string_view l) { progress += std::string(l) + "\n"; };
    auto s = AgentService::Create(std::move(c));
    if (!s) {
      created = std::unexpected(s.error());
      return;
    }
    service_ = std::move(*s);
    service_->RegisterWith(server_);
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    serving_ = std::thread([this, fd = fds[0]] { (void)server_.ServeConnection(fd); });
    client_ = std::make_unique<net::ttrpc::Client>(fds[1]);
  }
  ~Agent() {
    client_.reset();  // EOF ends ServeConnection
    if (serving_.joinable()) serving_.join();
  }

  template <typename Resp = google::protobuf::Empty, typename Req>
  Result<Resp> Call(std::string_view method, const Req& r) {
    return client_->CallTyped<Resp>(kAgentServiceName, method, r, 10s);
  }
  Status CreateSandbox(std::string kbs_url = "") {
    ::grpc::CreateSandboxRequest r;
    r.set_kbs_url(kbs_url);
    return Done(Call("CreateSandbox", r));
  }
  Status Exec(std::string cid, std::string exec_id) {
    ::grpc::ExecProcessRequest r;
    r.set_container_id(cid);
    r.set_exec_id(exec_id);
    r.mutable_process()->add_args("/bin/sh");
    return Done(Call("ExecProcess", r));
  }
  Status ReadStdout(std::string cid, std::string exec_id) {
    ::grpc::ReadStreamRequest r;
    r.set_container_id(cid);
    r.set_exec_id(exec_id);
    return Done(Call<::grpc::ReadStreamResponse>("ReadStdout", r));
  }

  Status created = Ok();
  std::string log, progress;

 private:
  testutil::TempDir dir_;
  net::ttrpc::Server server_;
  std::unique_ptr<AgentService> service_;
  std::thread serving_;
  std::unique_ptr<net::ttrpc::Client> client_;
};

void ExpectBlocked(const Status& st, std::string_view request) {
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied) << st.error().ToString();
  EXPECT_EQ(st.error().message(), std::string(request) + " is blocked by policy");
}

TEST(AgentServiceDefaultPolicy, HardwareTeeRefusesExecAndExecOutput) {
  for (const char* tee : {"snp", "tdx", "tpm"}) {
    SCOPED_TRACE(tee);
    AgentConfig c;
    c.tee = tee;
    Agent a(std::move(c));
    ASSERT_TRUE(a.created) << a.created.error().ToString();
    EXPECT_NE(a.log.find("agent policy: the TEE default"), std::string::npos) << a.log;
    ASSERT_TRUE(a.CreateSandbox()) << "the pod lifecycle stays allowed";
    ExpectBlocked(a.Exec("c1", "e1"), "ExecProcessRequest");
    ExpectBlocked(a.ReadStdout("c1", "e1"), "ReadStreamRequest");
    // The container's own output passes the policy (and finds no container here).
    auto own = a.ReadStdout("c1", "");
    ASSERT_FALSE(own);
    EXPECT_EQ(own.error().code(), Code::kNotFound) << own.error().ToString();
  }
}

TEST(AgentServiceDefaultPolicy, TeePolicyRefusesCopyFileAndSetPolicy) {
  // This agent does not serve CopyFile or SetPolicy; the default refuses them for when it does.
  auto rego = policy::NewRegoEngine()->Compile("tee-default.rego", kTeeDefaultAgentPolicy);
  ASSERT_TRUE(rego) << rego.error().ToString();
  Json input = Json::object();
  for (const char* rule : {"CopyFileRequest", "SetPolicyRequest", "ExecProcessRequest"}) {
    auto v = (*rego)->Evaluate(std::string("data.agent_policy.") + rule, &input, Json::object());
    ASSERT_TRUE(v && *v) << rule;
    EXPECT_EQ(**v, Json(false)) << rule;
  }
  auto p = AgentPolicy::Compile(kTeeDefaultAgentPolicy);
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_TRUE((*p)->Check(::grpc::CreateContainerRequest()));
  EXPECT_TRUE((*p)->Check(::grpc::WaitProcessRequest()));
  EXPECT_EQ(DefaultAgentPolicy(""), std::string(kTeeDefaultAgentPolicy));
  EXPECT_EQ(DefaultAgentPolicy("sample"), std::string(kAllowAllAgentPolicy));
}

TEST(AgentServiceDefaultPolicy, SampleTeeKeepsAllowAllAndSaysSo) {
  AgentConfig c;
  c.tee = "sample";
  Agent a(std::move(c));
  ASSERT_TRUE(a.created) << a.created.error().ToString();
  EXPECT_NE(a.log.find("allow-all default (TEE sample, a development mode"), std::string::npos)
      << a.log;
  auto exec = a.Exec("c1", "e1");  // passes the policy; no such container
  ASSERT_FALSE(exec);
  EXPECT_EQ(exec.error().code(), Code::kNotFound) << exec.error().ToString();
}

TEST(AgentServiceDefaultPolicy, AGivenPolicyStillWinsInATee) {
  AgentConfig c;
  c.tee = "snp";
  c.agent_policy = kAllowAllAgentPolicy;
  Agent a(std::move(c));
  ASSERT_TRUE(a.created);
  EXPECT_EQ(a.Exec("c1", "e1").error().code(), Code::kNotFound);
}

TEST(AgentServiceKbsUrl, HostMayNotReplaceTheInitDataUrl) {
  AgentConfig c;
  c.tee = "sample";
  c.init_data_toml = InitData(kKbcA);
  Agent a(std::move(c));
  ASSERT_TRUE(a.created) << a.created.error().ToString();
  auto st = a.CreateSandbox("http://10.0.2.100:9999");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
  EXPECT_NE(st.error().message().find("'http://10.0.2.100:9999' from CreateSandbox differs from "
                                      "the initdata's 'http://10.0.2.100:8080'"),
            std::string::npos)
      << st.error().message();
  EXPECT_TRUE(a.CreateSandbox("http://10.0.2.100:8080/")) << "the same URL may be repeated";
}

TEST(AgentServiceKbsUrl, AgentFlagThatDiffersStopsTheSandbox) {
  AgentConfig c;
  c.tee = "sample";
  c.kbs_url = "http://kbs.example:8080";
  c.init_data_toml = InitData(kKbcA);
  Agent a(std::move(c));
  ASSERT_TRUE(a.created);
  auto st = a.CreateSandbox();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
  EXPECT_NE(st.error().message().find("from the agent's --kbs flag"), std::string::npos);
  EXPECT_NE(a.progress.find("refusing every request"), std::string::npos) << a.progress;
}

TEST(AgentServiceKbsUrl, KbsCertMustParseAndNeedsHttps) {
  AgentConfig c;
  c.tee = "sample";
  c.init_data_toml = InitData(std::string(kKbcA) + "kbs_cert = \"not a certificate\"\n");
  Agent bad(std::move(c));
  ASSERT_FALSE(bad.created);
  EXPECT_EQ(bad.created.error().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.created.error().message().find("kbc.kbs_cert"), std::string::npos);
}

TEST(AgentServiceInitData, DigestMismatchWithTheEvidenceStopsTheSandbox) {
  AgentConfig c;
  c.tee = "snp";
  c.init_data_toml = InitData(kKbcA);
  Bytes launched(32, 0x5A);  // what the TEE measured at launch
  c.attester_factory = [launched] { return std::make_unique<SnpAttester>(launched); };
  Agent a(std::move(c));
  ASSERT_TRUE(a.created) << a.created.error().ToString();
  Bytes digest = initdata::DigestInitData({"toml", InitData(kKbcA)})->digest;
  for (Status st : {a.CreateSandbox(), a.Exec("c1", "e1")}) {
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code(), Code::kFailedPrecondition);
    EXPECT_NE(
        st.error().message().find("initdata digest " + base::HexEncode(digest) +
                                  " does not match the SNP HOSTDATA " + base::HexEncode(launched)),
        std::string::npos)
        << st.error().message();
  }
}

TEST(AgentServiceInitData, MatchingDigestIsReportedAndTheSandboxRuns) {
  AgentConfig c;
  c.tee = "snp";
  c.init_data_toml = InitData(kKbcA);
  Bytes digest = initdata::DigestInitData({"toml", c.init_data_toml})->digest;
  c.attester_factory = [digest] { return std::make_unique<SnpAttester>(digest); };
  Agent a(std::move(c));
  ASSERT_TRUE(a.created);
  EXPECT_NE(a.progress.find("matches the SNP HOSTDATA"), std::string::npos) << a.progress;
  EXPECT_TRUE(a.CreateSandbox());
}

}  // namespace
}  // namespace cocoon::guest
