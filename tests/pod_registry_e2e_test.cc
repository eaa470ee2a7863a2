// End to end (label e2e): `cocoon run` pulls from a registry beyond this host's loopback. A real
// docker-registry with TLS (a CA the test generates) and htpasswd basic auth listens on a
// private address inside a network namespace the test creates, reached over a veth pair. The
// pod VM reaches it only through cocoon run's forward and verifies its certificate itself;
// credentials come from an auth.json and never appear on a command line.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "base/encoding.h"
#include "image/sample_image.h"
#include "tests/harness.h"

namespace cocoon {
namespace {

namespace fs = std::filesystem;
constexpr const char* kHello = "Hello from a confidential container!";
constexpr const char* kUser = "newcomer";
constexpr const char* kPassword = "s3cret-Registry-pw";

bool Accepts(const std::string& ip, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string IpTool() {
  for (const char* p : {"/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip", "/bin/ip"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

// A namespace with one veth pair: this host at host_ip, the registry at registry_ip (a /30
// derived from the pid, so parallel runs do not collide). Removed in the destructor.
class RemoteRegistryE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ip_ = IpTool();
    if (ip_.empty()) GTEST_SKIP() << "ip (iproute2) is not installed: no network namespace";
    int pid = ::getpid();
    std::string net = "10.213." + std::to_string((pid / 64) % 256) + ".";
    int base = (pid % 64) * 4;
    host_ip_ = net + std::to_string(base + 1);
    registry_ip_ = net + std::to_string(base + 2);
    ns_ = "cocoon-reg-" + std::to_string(pid);
    veth_host_ = "cvh" + std::to_string(pid);
    std::string veth_ns = "cvn" + std::to_string(pid);
    std::string in_ns = ip_ + " netns exec " + ns_ + " " + ip_;
    auto r = Sh(ip_ + " netns add " + ns_);
    if (r.exit_code != 0 && r.err.find("Operation not permitted") != std::string::npos) {
      GTEST_SKIP() << "cannot create a network namespace here (not root): " << r.err;
    }
    ASSERT_EQ(r.exit_code, 0) << r.err;
    created_ = true;
    ASSERT_EQ(Sh(ip_ + " link add " + veth_host_ + " type veth peer name " + veth_ns + " && " +
                 ip_ + " link set " + veth_ns + " netns " + ns_ + " && " + ip_ + " addr add " +
                 host_ip_ + "/30 dev " + veth_host_ + " && " + ip_ + " link set " + veth_host_ +
                 " up && " + in_ns + " addr add " + registry_ip_ + "/30 dev " + veth_ns + " && " +
                 in_ns + " link set " + veth_ns + " up && " + in_ns + " link set lo up")
                  .exit_code,
              0);
    MakeCertsAndPasswords();
    StartRegistry();
    PushSampleImage();
  }

  void TearDown() override {
    registry_.reset();  // stopped by pid
    if (created_) {
      Sh(ip_ + " netns del " + ns_);  // takes the veth pair with it
      Sh(ip_ + " link del " + veth_host_ + " 2>/dev/null || true");
    }
  }

  harness::CommandResult Sh(const std::string& script) {
    return harness::Run({"/bin/sh", "-c", "cd '" + dir_.path().string() + "' && " + script});
  }

  void MakeCertsAndPasswords() {
    dir_.Write("san.ext", "subjectAltName=IP:" + registry_ip_ + "\n");
    auto r =
        Sh("set -e; mkdir -p certs; "
           "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key "
           "-out certs/ca.crt -days 2 -subj /CN=cocoon-test-ca 2>/dev/null; "
           "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout reg.key "
           "-out reg.csr -subj /CN=" +
           registry_ip_ +
           " 2>/dev/null; "
           "openssl x509 -req -in reg.csr -CA certs/ca.crt -CAkey ca.key -CAcreateserial "
           "-out reg.crt -days 2 -extfile san.ext 2>/dev/null; "
           "htpasswd -Bbn " +
           kUser + " " + kPassword + " > htpasswd");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string auth = base::Base64Encode(AsBytes(std::string(kUser) + ":" + kPassword));
    dir_.Write("auth.json", R"({"auths":{")" + registry() + R"(":{"auth":")" + auth +
                                R"("}}})"
                                "\n");
  }

  void StartRegistry() {
    dir_.Write("registry.yml",
               "version: 0.1\nlog: {level: warn}\n"
               "storage: {filesystem: {rootdirectory: " +
                   dir_.File("registry") +
                   "}}\n"
                   "http:\n  addr: " +
                   registry() +
                   "\n  tls:\n"
                   "    certificate: " +
                   dir_.File("reg.crt") +
                   "\n"
                   "    key: " +
                   dir_.File("reg.key") +
                   "\n"
                   "auth:\n  htpasswd:\n    realm: cocoon-test\n"
                   "    path: " +
                   dir_.File("htpasswd") + "\n");
    registry_ = std::make_unique<harness::Process>(std::vector<std::string>{
        ip_, "netns", "exec", ns_, "/usr/bin/docker-registry", "serve", dir_.File("registry.yml")});
    for (int i = 0; i < 300 && !Accepts(registry_ip_, 5000); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // readiness poll, not timing
    }
    ASSERT_TRUE(Accepts(registry_ip_, 5000)) << harness::ReadFile(registry_->stderr_path());
  }

  void PushSampleImage() {
    auto layout = image::BuildSampleImage(dir_.File("sample"), "latest");
    ASSERT_TRUE(layout) << layout.error().ToString();
    auto r = harness::Run({"/usr/bin/skopeo", "copy", "--quiet", "--dest-cert-dir",
                           dir_.File("certs"), "--dest-creds", std::string(kUser) + ":" + kPassword,
                           *layout, "docker://" + image()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // cocoon run with an empty default auth search path (only --authfile counts).
  harness::CommandResult Run(std::vector<std::string> flags) {
    std::vector<std::string> argv = {"/usr/bin/env", "REGISTRY_AUTH_FILE=" + dir_.File("none.json"),
                                     harness::BinaryPath("cocoon"), "run", "--insecure-policy"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back(image());
    return harness::Run(argv);
  }

  std::string registry() const { return registry_ip_ + ":5000"; }
  std::string image() const { return registry() + "/newcomer/app:v1"; }

  harness::TempDir dir_;
  std::string ip_, ns_, veth_host_, host_ip_, registry_ip_;
  bool created_ = false;
  std::unique_ptr<harness::Process> registry_;
};

TEST_F(RemoteRegistryE2e, PullsOverVerifiedTlsWithBasicAuth) {
  auto r = Run({"--cert-dir", dir_.File("certs"), "--authfile", dir_.File("auth.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(kHello), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("[3/4] image: " + image()), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(kPassword), std::string::npos);
}

TEST_F(RemoteRegistryE2e, WithoutCredentialsTheRegistryRefuses) {
  auto r = Run({"--cert-dir", dir_.File("certs")});
  EXPECT_EQ(r.exit_code, 125) << r.out << r.err;
  EXPECT_NE(r.err.find("requires credentials and none are configured"), std::string::npos) << r.err;
}

TEST_F(RemoteRegistryE2e, WithoutItsCaTheGuestRejectsTheCertificate) {
  auto r = Run({"--authfile", dir_.File("auth.json")});
  EXPECT_EQ(r.exit_code, 125) << r.out << r.err;
  EXPECT_NE(r.err.find("certificate"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find(kHello), std::string::npos);
}

}  // namespace
}  // namespace cocoon
