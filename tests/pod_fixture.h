// The world a confidential pod needs, for end-to-end tests: a real cocoon-kbs (affirming policy,
// the sample TEE turned on because the pod VM runs without TEE hardware, reference values set), a
// real docker-registry, and the sample image encrypted with a KBS-held key and signed with cosign,
// as `cocoon demo` prepares them. Used by `cocoon run` (pod_e2e_test) and the containerd shim
// (shim_containerd_test).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/json.h"
#include "image/sample_image.h"
#include "tests/harness.h"
#include "tests/image_fixtures.h"

namespace cocoon {

using std::chrono::seconds;

inline harness::CommandResult Cocoon(std::vector<std::string> args) {
  args.insert(args.begin(), harness::BinaryPath("cocoon"));
  return harness::Run(args);
}

inline bool ProcessAlive(pid_t pid) {
  return ::kill(pid, 0) == 0 &&
         !harness::ReadFile("/proc/" + std::to_string(pid) + "/stat").empty() &&
         harness::ReadFile("/proc/" + std::to_string(pid) + "/stat").find(") Z ") ==
             std::string::npos;
}

// The QEMU pid cocoon run printed ("pod VM started (QEMU pid N)"), or 0.
inline pid_t QemuPid(const std::string& text) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex(R"(QEMU pid (\d+))"))) return std::stoi(m[1]);
  return 0;
}

// Pids of running processes whose command line (arguments joined by spaces) contains `text`.
// Tests run in parallel: each finds its own pod VMs by the run directory it gave them (TMPDIR)
// and its own shims by the containerd address they were started with.
inline std::set<pid_t> ProcessesWith(const std::string& text) {
  std::set<pid_t> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = harness::ReadFile(e.path().string() + "/cmdline");
    for (char& c : cmdline) c = c == '\0' ? ' ' : c;
    if (cmdline.find(text) != std::string::npos && ProcessAlive(std::stoi(pid))) {
      out.insert(std::stoi(pid));
    }
  }
  out.erase(::getpid());
  return out;
}

// How many pod VMs (QEMU processes) have their run directory under `vm_tmp`, the TMPDIR their
// shim was started with.
inline size_t QemusUnder(const std::string& vm_tmp) {
  size_t n = 0;
  for (pid_t p : ProcessesWith(vm_tmp + "/cocoon-vm-")) {
    std::string cmd = harness::ReadFile("/proc/" + std::to_string(p) + "/cmdline");
    n += cmd.substr(0, cmd.find('\0')).ends_with("qemu-system-x86_64") ? 1 : 0;
  }
  return n;
}

// A KBS (affirming policy, sample TEE reference values registered), a registry, and the sample
// image encrypted with a KBS-held key and signed with cosign, as the demo prepares them.
class PodFixture : public ::testing::Test {
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

}  // namespace cocoon
