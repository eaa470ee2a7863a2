// End to end (label e2e): `cocoon demo`, and `cocoon run` against a real cocoon-kbs, a real
// docker-registry and a pod VM under QEMU, with the failures a user meets — the KBS policy
// withholds the key, a layer is tampered with in the registry, the signature is missing, the
// container fails, QEMU dies mid-run, the KBS is down — each reported with its cause, and
// nothing left behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <thread>

#include "base/encoding.h"
#include "base/json.h"
#include "image/digest.h"
#include "image/sample_image.h"
#include "tests/harness.h"
#include "tests/image_fixtures.h"

namespace cocoon {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

harness::CommandResult Cocoon(std::vector<std::string> args) {
  args.insert(args.begin(), harness::BinaryPath("cocoon"));
  return harness::Run(args);
}

bool ProcessAlive(pid_t pid) {
  return ::kill(pid, 0) == 0 &&
         !harness::ReadFile("/proc/" + std::to_string(pid) + "/stat").empty() &&
         harness::ReadFile("/proc/" + std::to_string(pid) + "/stat").find(") Z ") ==
             std::string::npos;
}

// The QEMU pid cocoon run printed ("pod VM started (QEMU pid N)"), or 0.
pid_t QemuPid(const std::string& text) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex(R"(QEMU pid (\d+))"))) return std::stoi(m[1]);
  return 0;
}

// A KBS (affirming policy, sample TEE reference values registered), a registry, and the sample
// image encrypted with a KBS-held key and signed with cosign, as the demo prepares them.
class PodE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = std::make_unique<image::Registry>(dir_);
    Sh("openssl genpkey -algorithm ed25519 -out admin.key && "
       "openssl pkey -in admin.key -pubout -out admin.pub && "
       "openssl ecparam -name prime256v1 -genkey -noout -out ec.pem && "
       "openssl pkcs8 -topk8 -nocrypt -in ec.pem -out cosign.key && "
       "openssl ec -in cosign.key -pubout -out cosign.pub 2>/dev/null");
    StartKbs("");
    if (HasFatalFailure()) return;
    for (auto [name, value] :
         std::vector<std::pair<std::string, std::string>>{{"launch_digest", R"(["abcde"])"},
                                                          {"svn", R"(["1"])"},
                                                          {"major_version", "1"},
                                                          {"minimum_minor_version", "0"}}) {
      auto r = Cocoon({"kbs", "set-reference-value", name, value, "--url", kbs_url_, "--admin-key",
                       dir_.File("admin.key")});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    auto layout = image::BuildSampleImage(dir_.File("sample"), "latest");
    ASSERT_TRUE(layout) << layout.error().ToString();
    layout_ = *layout;
    repo_ = registry_->host() + "/app";
    Json policy = {
        {"default", {{{"type", "reject"}}}},
        {"transports",
         {{"docker",
           {{repo_,
             {{{"type", "sigstoreSigned"},
               {"keyData", base::Base64Encode(AsBytes(harness::ReadFile(dir_.File("cosign.pub"))))},
               {"signedIdentity", {{"type", "matchRepository"}}}}}}}}}}};
    dir_.Write("policy.json", policy.dump());
  }

  // Starts cocoon-kbs on kbs.toml (with `extra_toml` appended) and its SQLite store in dir_.
  void StartKbs(const std::string& extra_toml) {
    dir_.Write("kbs.toml", R"([http_server]
sockets = ["127.0.0.1:0"]
insecure_http = true
[attestation_service]
type = "coco_as_builtin"
# The pod VM runs under QEMU TCG without a hardware TEE: it attests with the sample TEE, whose
# evidence proves nothing, so this test KBS turns it on.
insecure_sample_tee = true
[admin]
authorization_mode = "AuthenticatedAuthorization"
[admin.authentication.bearer_jwt]
identity_providers = [ { public_key_uri = ")" +
                               dir_.File("admin.pub") + R"(" } ]
[admin.authorization.regex_acl]
acls = [ { role = "admin", allowed_endpoints = "^/kbs/.+$" } ]
[storage_backend]
storage_type = "Sqlite"
[storage_backend.backends.sqlite]
path = ")" + dir_.File("kbs.sqlite") +
                               R"("
[policy_engine]
builtin = "affirming"
)" + extra_toml);
    kbs_ = std::make_unique<harness::Process>(std::vector<std::string>{
        harness::BinaryPath("cocoon-kbs"), "--config-file", dir_.File("kbs.toml")});
    std::string line;
    ASSERT_TRUE(kbs_->WaitForLine("listening on", seconds(30), &line))
        << harness::ReadFile(kbs_->stderr_path());
    std::smatch m;
    ASSERT_TRUE(std::regex_search(line, m, std::regex(R"(http://[0-9.:]+)")));
    kbs_url_ = m[0];
  }

  void Sh(const std::string& script) {
    auto r =
        harness::Run({"/bin/sh", "-c", "set -e; cd '" + dir_.path().string() + "'; " + script});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // Encrypts the sample image into repo_:<tag> with the KBS-held key `kid`; signs it if asked.
  void Push(const std::string& tag, bool sign = true,
            const std::string& kid = "kbs:///default/image-key/app") {
    auto enc = Cocoon({"image", "encrypt", "--encryption-key", "provider:attestation-agent:" + kid,
                       "--kbs", kbs_url_, "--admin-key", dir_.File("admin.key"),
                       "--dest-tls-verify=false", layout_, "docker://" + repo_ + ":" + tag});
    ASSERT_EQ(enc.exit_code, 0) << enc.err;
    if (!sign) return;
    auto s = Cocoon({"image", "sign", "--key", dir_.File("cosign.key"), "--tls-verify=false",
                     "docker://" + repo_ + ":" + tag});
    ASSERT_EQ(s.exit_code, 0) << s.err;
  }

  // Replaces the KBS resource policy with `rego`.
  void SetResourcePolicy(const std::string& rego) {
    dir_.Write("resource.rego", rego);
    auto set = Cocoon({"kbs", "set-policy", "--file", dir_.File("resource.rego"), "--url", kbs_url_,
                       "--admin-key", dir_.File("admin.key")});
    ASSERT_EQ(set.exit_code, 0) << set.err;
  }

  // `cocoon run` of a container that prints "running" and sleeps, once it prints; the QEMU pid
  // it reported goes to *qemu.
  std::unique_ptr<harness::Process> StartSleepingPod(pid_t* qemu) {
    auto run = std::make_unique<harness::Process>(
        RunArgs("v1", {"/bin/sh", "-c", "echo running; sleep 600"}));
    EXPECT_TRUE(run->WaitForLine("running", seconds(300))) << harness::ReadFile(run->stderr_path());
    *qemu = QemuPid(harness::ReadFile(run->stderr_path()));
    return run;
  }

  std::vector<std::string> RunArgs(const std::string& tag, std::vector<std::string> cmd = {}) {
    std::vector<std::string> a = {harness::BinaryPath("cocoon"),
                                  "run",
                                  "--kbs",
                                  kbs_url_,
                                  "--policy",
                                  dir_.File("policy.json"),
                                  repo_ + ":" + tag};
    a.insert(a.end(), cmd.begin(), cmd.end());
    return a;
  }

  harness::TempDir dir_;
  std::unique_ptr<image::Registry> registry_;
  std::unique_ptr<harness::Process> kbs_;
  std::string kbs_url_, layout_, repo_;
};

TEST(PodDemo, RunsTheFourStepsAndCleansUp) {
  auto r = Cocoon({"demo"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The four steps, in order, then the container's own output.
  size_t p1 = r.err.find("[1/4] attestation:");
  size_t p2 = r.err.find("[2/4] key released: kbs:///default/image-key/demo");
  size_t p3 = r.err.find("[3/4] image:");
  size_t p4 = r.err.find("[4/4] container started");
  ASSERT_NE(p1, std::string::npos) << r.err;
  ASSERT_NE(p2, std::string::npos) << r.err;
  ASSERT_NE(p3, std::string::npos) << r.err;
  ASSERT_NE(p4, std::string::npos) << r.err;
  EXPECT_LT(p1, p2);
  EXPECT_LT(p2, p3);
  EXPECT_LT(p3, p4);
  EXPECT_NE(r.err.find("signature policy satisfied, 1 of 1 layers decrypted"), std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find(image::kSampleGreeting), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("demo OK"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex(R"(working in (\S+))")));
  EXPECT_FALSE(fs::exists(m[1].str())) << "demo left " << m[1];
  pid_t qemu = QemuPid(r.err);
  ASSERT_GT(qemu, 0);
  EXPECT_FALSE(ProcessAlive(qemu));
}

TEST_F(PodE2e, ContainerExitCodeAndOutputPropagate) {
  Push("v1");
  auto r = harness::Run(RunArgs("v1", {"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out, "out\n");
  EXPECT_NE(r.err.find("err\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("container exited with status 3"), std::string::npos) << r.err;
}

TEST_F(PodE2e, KbsPolicyWithholdsTheKey) {
  Push("v1");
  SetResourcePolicy("package policy\ndefault allow = false\n");
  auto r = harness::Run(RunArgs("v1"));
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_NE(r.err.find("kbs:///default/image-key/app"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("denied by policy"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(PodE2e, TamperedLayerIsRefused) {
  Push("v1");
  auto inspect =
      Cocoon({"image", "inspect", "--raw", "--tls-verify=false", "docker://" + repo_ + ":v1"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  auto manifest = base::ParseJson(inspect.out);
  ASSERT_TRUE(manifest) << inspect.out;
  auto digest = image::Digest::Parse((*manifest)["layers"][0]["digest"].get<std::string>());
  ASSERT_TRUE(digest);
  // Flip one byte of the stored (encrypted) layer behind the registry's back.
  std::string path = registry_->BlobData(*digest);
  std::string data = harness::ReadFile(path);
  ASSERT_GT(data.size(), 100u);
  data[data.size() / 2] ^= 0x01;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  auto r = harness::Run(RunArgs("v1"));
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_NE(r.err.find(digest->hex.substr(0, 12)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("digest"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(PodE2e, MissingSignatureIsRefused) {
  Push("unsigned", /*sign=*/false);
  auto r = harness::Run(RunArgs("unsigned"));
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_NE(r.err.find("signature"), std::string::npos) << r.err;
  // Refused before any key was asked for.
  EXPECT_EQ(r.err.find("[2/4] key released"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(PodE2e, KbsDownFailsAfterBoundedRetries) {
  Push("v1");
  kbs_->Kill9();
  auto start = std::chrono::steady_clock::now();
  auto r = harness::Run(RunArgs("v1"));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_NE(r.err.find("unreachable after 5 attempts"), std::string::npos) << r.err;
  EXPECT_LT(took, seconds(240));
}

TEST_F(PodE2e, QemuKilledMidRunIsReportedAndCleanedUp) {
  Push("v1");
  pid_t qemu = 0;
  auto run = StartSleepingPod(&qemu);
  ASSERT_GT(qemu, 0);
  // The VM's run directory, from QEMU's command line (the agent channel socket lives there).
  std::string cmdline = harness::ReadFile("/proc/" + std::to_string(qemu) + "/cmdline");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(cmdline, m, std::regex(R"(path=([^,\x00]+)/agent\.sock)")))
      << cmdline;
  std::string run_dir = m[1];
  ASSERT_TRUE(fs::exists(run_dir));
  ASSERT_EQ(::kill(qemu, SIGKILL), 0);
  int status = -1;
  for (int i = 0; i < 600 && status < 0; ++i) {
    int st = 0;
    if (::waitpid(run->pid(), &st, WNOHANG) == run->pid()) status = WEXITSTATUS(st);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(status, 125) << harness::ReadFile(run->stderr_path());
  std::string err = harness::ReadFile(run->stderr_path());
  EXPECT_NE(err.find("the pod VM exited"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(run_dir)) << run_dir << " left behind";
  // Nothing that QEMU started (socat for the guestfwd services) outlives it.
  auto ps = harness::Run({"/usr/bin/pgrep", "-f", run_dir});
  EXPECT_EQ(ps.out, "") << ps.out;
}

// A vTPM (swtpm) in the pod VM attests with real TPM quotes, but by an attestation key the guest
// made at boot: nothing vouches for it, so a KBS without trusted_ak_keys/trusted_ak_roots refuses
// `tpm` at /auth (docs/security.md), even with a policy that allows everything.
TEST_F(PodE2e, VtpmPodWithoutATrustedAkIsRefused) {
  Push("v1");
  SetResourcePolicy("package policy\ndefault allow = true\n");
  std::vector<std::string> args = RunArgs("v1", {"/bin/sh", "-c", "echo tpm pod"});
  args.insert(args.begin() + 2, "--vtpm");
  auto r = harness::Run(args);
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("trusted_ak_keys or trusted_ak_roots"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// A persistent vTPM state (--vtpm-state) keeps its AK; once the operator lists it in
// trusted_ak_keys (`cocoon vtpm ak`), the pod's TPM quotes are trusted and the key is released.
TEST_F(PodE2e, EnrolledVtpmPodGetsItsKey) {
  Push("v1");
  const std::string state = dir_.File("vtpm");
  auto ak = Cocoon({"vtpm", "ak", "--state", state, "--output", dir_.File("ak.pem")});
  ASSERT_EQ(ak.exit_code, 0) << ak.err;
  EXPECT_NE(ak.err.find("trusted_ak_keys"), std::string::npos) << ak.err;
  kbs_->Terminate();
  StartKbs("[attestation_service.verifier_config.tpm_verifier]\ntrusted_ak_keys = [\"" +
           dir_.File("ak.pem") + "\"]\n");
  SetResourcePolicy("package policy\ndefault allow = true\n");
  std::vector<std::string> args = RunArgs("v1", {"/bin/sh", "-c", "echo tpm pod"});
  args.insert(args.begin() + 2, {"--vtpm-state", state});
  auto r = harness::Run(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "tpm pod\n");
  EXPECT_NE(r.err.find("attestation: tpm"), std::string::npos) << r.err;
}

TEST_F(PodE2e, InterruptStopsThePodVm) {
  Push("v1");
  pid_t qemu = 0;
  auto run = StartSleepingPod(&qemu);
  ASSERT_GT(qemu, 0);
  EXPECT_EQ(run->Terminate(), 128 + SIGTERM);
  EXPECT_FALSE(ProcessAlive(qemu));
  EXPECT_NE(harness::ReadFile(run->stderr_path()).find("interrupted by signal"), std::string::npos);
}

}  // namespace
}  // namespace cocoon
