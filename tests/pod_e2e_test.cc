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
#include "tests/pod_fixture.h"

namespace cocoon {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

class PodE2e : public PodFixture {};

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
