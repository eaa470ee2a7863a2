// The agent end to end on the host: cocoon-agent --listen unix:… (runc as the OCI runtime, since
// crun needs a private mount namespace on these hosts), driven by the host AgentClient over
// ttrpc, running containers from a busybox OCI layout built here. Needs runc and busybox-static.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/json.h"
#include "image/digest.h"
#include "runtime/agent_client.h"
#include "tests/busybox_image.h"
#include "tests/harness.h"

namespace cocoon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kDenyExec[] = R"(package agent_policy
default CreateContainerRequest := true
default CreateSandboxRequest := true
default DestroySandboxRequest := true
default ExecProcessRequest := false
default GuestDetailsRequest := true
default ReadStreamRequest := true
default RemoveContainerRequest := true
default SignalProcessRequest := true
default StartContainerRequest := true
default WaitProcessRequest := true
default WriteStreamRequest := true
default CloseStdinRequest := true
)";

long VmRssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

class AgentTest : public ::testing::Test {
 protected:
  void StartAgent(const std::string& policy = "", std::vector<std::string> extra = {}) {
    // runc by default; COCOON_TEST_OCI_RUNTIME=/usr/bin/crun runs the same tests with crun (which
    // on these hosts needs `unshare -m` and an unmounted /sys/fs/cgroup/unified).
    const char* env_runtime = std::getenv("COCOON_TEST_OCI_RUNTIME");
    std::string oci_runtime = env_runtime && *env_runtime ? env_runtime : "/usr/sbin/runc";
    ASSERT_TRUE(fs::exists(oci_runtime)) << oci_runtime << " is not installed";
    image_ = BuildBusyboxLayout(dir_);
    std::vector<std::string> argv = {harness::BinaryPath("cocoon-agent"),
                                     "--listen",
                                     "unix:" + dir_.File("agent.sock"),
                                     "--runtime",
                                     oci_runtime,
                                     "--runtime-root",
                                     dir_.File("runc-state"),
                                     "--work-dir",
                                     dir_.File("work")};
    if (extra.empty()) extra.push_back("--insecure-accept-anything");
    // The sample attester (allow-all default policy) unless a test names another.
    if (std::find(extra.begin(), extra.end(), "--attester") == extra.end()) {
      extra.insert(extra.end(), {"--attester", "sample"});
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (!policy.empty()) {
      dir_.Write("policy.rego", policy);
      argv.insert(argv.end(), {"--policy", dir_.File("policy.rego")});
    }
    agent_ = std::make_unique<harness::Process>(argv);
    ASSERT_TRUE(agent_->WaitForLine("listening", 10s)) << harness::ReadFile(agent_->stderr_path());
    auto c = runtime::AgentClient::DialUnix(dir_.File("agent.sock"));
    ASSERT_TRUE(c) << c.error().ToString();
    client_ = std::move(*c);
  }
  std::string ReadAll(const std::string& cid, const std::string& exec_id) {
    std::string out;
    while (true) {
      auto chunk = client_->ReadStdout(cid, exec_id);
      EXPECT_TRUE(chunk) << chunk.error().ToString();
      if (!chunk || chunk->empty()) return out;
      out += *chunk;
    }
  }
  void CreateAndStart(const std::string& cid, const std::string& script) {
    ASSERT_TRUE(client_->CreateSandbox({}));
    auto created = client_->CreateContainer(
        runtime::AgentClient::GuestPullRequest(cid, image_, {"/bin/sh", "-c", script}));
    ASSERT_TRUE(created) << created.error().ToString();
    auto started = client_->StartContainer(cid);
    ASSERT_TRUE(started) << started.error().ToString();
  }

  harness::TempDir dir_;
  std::string image_;
  std::unique_ptr<harness::Process> agent_;
  std::unique_ptr<runtime::AgentClient> client_;
};

TEST_F(AgentTest, RunsContainerStreamsOutputAndExitCode) {
  StartAgent();
  auto serving = client_->Check();
  ASSERT_TRUE(serving) << serving.error().ToString();
  EXPECT_TRUE(*serving);
  long rss = VmRssKiB(agent_->pid());
  std::printf("idle cocoon-agent VmRSS: %ld KiB\n", rss);
  RecordProperty("agent_idle_rss_kib", std::to_string(rss));
  EXPECT_GT(rss, 0);
  auto details = client_->GetGuestDetails();
  ASSERT_TRUE(details);
  EXPECT_EQ(details->agent_details().storage_handlers(0), "image_guest_pull");

  CreateAndStart("c1", "echo hello; exit 3");
  EXPECT_EQ(ReadAll("c1", ""), "hello\n");
  auto code = client_->WaitProcess("c1", "");
  ASSERT_TRUE(code) << code.error().ToString();
  EXPECT_EQ(*code, 3);
  auto removed = client_->RemoveContainer("c1");
  EXPECT_TRUE(removed) << removed.error().ToString();
  EXPECT_FALSE(fs::exists(dir_.File("work") + "/containers/c1"));
  auto gone = client_->StartContainer("c1");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), Code::kNotFound);
  EXPECT_TRUE(client_->DestroySandbox());
}

TEST_F(AgentTest, ExecAndSignal) {
  StartAgent();
  CreateAndStart("c2", "read x; echo never");
  ::grpc::ExecProcessRequest exec;
  exec.set_container_id("c2");
  exec.set_exec_id("e1");
  for (const char* a : {"/bin/sh", "-c", "echo from-exec; exit 5"}) {
    exec.mutable_process()->add_args(a);
  }
  auto st = client_->ExecProcess(exec);
  ASSERT_TRUE(st) << st.error().ToString();
  EXPECT_EQ(ReadAll("c2", "e1"), "from-exec\n");
  auto exec_code = client_->WaitProcess("c2", "e1");
  ASSERT_TRUE(exec_code);
  EXPECT_EQ(*exec_code, 5);
  ASSERT_TRUE(client_->SignalProcess("c2", "", 9));
  auto code = client_->WaitProcess("c2", "");
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 128 + 9);
  EXPECT_TRUE(client_->RemoveContainer("c2"));
}

TEST_F(AgentTest, PolicyDeniesExecButAllowsTheRest) {
  StartAgent(kDenyExec);
  CreateAndStart("c3", "read x; echo got $x");
  ::grpc::ExecProcessRequest exec;
  exec.set_container_id("c3");
  exec.set_exec_id("e1");
  exec.mutable_process()->add_args("/bin/sh");
  auto denied = client_->ExecProcess(exec);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code(), Code::kPermissionDenied);
  EXPECT_NE(denied.error().message().find("ExecProcessRequest is blocked by policy"),
            std::string::npos);
  // The reader blocks in ReadStdout on the shared connection while stdin calls go through.
  std::string output;
  std::thread reader([&] { output = ReadAll("c3", ""); });
  auto written = client_->WriteStdin("c3", "", "hi\n");
  EXPECT_TRUE(written) << written.error().ToString();
  EXPECT_EQ(written.value_or(0), 3u);
  EXPECT_TRUE(client_->CloseStdin("c3", ""));
  reader.join();
  EXPECT_EQ(output, "got hi\n");
  auto code = client_->WaitProcess("c3", "");
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  EXPECT_TRUE(client_->RemoveContainer("c3"));
}

// In a hardware TEE with no agent policy the built-in default applies: the container runs and
// its own output is readable, but the host cannot exec into it.
TEST_F(AgentTest, TeeDefaultPolicyRefusesExec) {
  StartAgent("", {"--insecure-accept-anything", "--attester", "snp"});
  CreateAndStart("c5", "read x; echo got $x");
  ::grpc::ExecProcessRequest exec;
  exec.set_container_id("c5");
  exec.set_exec_id("e1");
  exec.mutable_process()->add_args("/bin/cat");
  exec.mutable_process()->add_args("/etc/passwd");
  auto denied = client_->ExecProcess(exec);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code(), Code::kPermissionDenied);
  EXPECT_NE(denied.error().message().find("ExecProcessRequest is blocked by policy"),
            std::string::npos);
  auto exec_out = client_->ReadStdout("c5", "e1");
  ASSERT_FALSE(exec_out);
  EXPECT_EQ(exec_out.error().code(), Code::kPermissionDenied);
  std::string output;
  std::thread reader([&] { output = ReadAll("c5", ""); });
  EXPECT_TRUE(client_->WriteStdin("c5", "", "hi\n"));
  EXPECT_TRUE(client_->CloseStdin("c5", ""));
  reader.join();
  EXPECT_EQ(output, "got hi\n");
  EXPECT_NE(harness::ReadFile(agent_->stderr_path()).find("agent policy: the TEE default (TEE snp)"),
            std::string::npos);
  EXPECT_TRUE(client_->RemoveContainer("c5"));
}

TEST_F(AgentTest, UnknownMethodAndBadRequestsKeepTheAgentUp) {
  StartAgent();
  auto c = net::ttrpc::Client::DialUnix(dir_.File("agent.sock"));
  ASSERT_TRUE(c);
  auto unknown = (*c)->Call("grpc.AgentService", "PauseContainer", "", 5s);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), Code::kUnimplemented);
  auto malformed = (*c)->Call("grpc.AgentService", "CreateContainer", "\xff\xff", 5s);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().code(), Code::kInvalidArgument);
  ASSERT_TRUE(client_->CreateSandbox({}));
  auto bad_id = client_->CreateContainer(
      runtime::AgentClient::GuestPullRequest("../escape", image_, {"/bin/sh"}));
  ASSERT_FALSE(bad_id);
  EXPECT_EQ(bad_id.error().code(), Code::kInvalidArgument);
  auto serving = client_->Check();
  ASSERT_TRUE(serving);
  EXPECT_TRUE(*serving);
}

// Initdata (as the pod was launched with it) supplies both policies: its policy.rego denies
// ExecProcess and its cdh.toml image policy rejects every image.
TEST_F(AgentTest, InitDataPoliciesApply) {
  std::string policy = kDenyExec;
  dir_.Write("initdata.toml",
             "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n"
             "\"policy.rego\" = '''\n" +
                 policy +
                 "'''\n"
                 "\"cdh.toml\" = '''\n[image]\n"
                 "image_security_policy = '{\"default\":[{\"type\":\"reject\"}]}'\n'''\n");
  StartAgent("", {"--initdata", dir_.File("initdata.toml")});
  ASSERT_TRUE(client_->CreateSandbox({}));
  auto rejected =
      client_->CreateContainer(runtime::AgentClient::GuestPullRequest("c4", image_, {"/bin/sh"}));
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code(), Code::kPermissionDenied);
  ::grpc::ExecProcessRequest exec;
  exec.set_container_id("c4");
  exec.set_exec_id("e1");
  auto denied = client_->ExecProcess(exec);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code(), Code::kPermissionDenied);
  EXPECT_NE(denied.error().message().find("ExecProcessRequest"), std::string::npos);
}

}  // namespace
}  // namespace cocoon
