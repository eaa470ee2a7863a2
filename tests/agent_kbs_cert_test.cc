// The guest's TLS to the KBS trusts exactly the certificate its initdata names (cdh.toml
// kbc.kbs_cert): the real cocoon-agent (runc) pulls an image encrypted with a key held by the real
// cocoon-kbs over HTTPS. With the KBS's certificate in the initdata the key is released and the
// container runs; with another certificate the TLS handshake fails and no key is fetched.
#include <gtest/gtest.h>

#include <filesystem>

#include "runtime/agent_client.h"
#include "tests/busybox_image.h"
#include "tests/harness.h"

namespace cocoon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using harness::BinaryPath;

class AgentKbsCertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists("/usr/sbin/runc")) << "runc is not installed";
    port_ = harness::FreePort();
    MakeCert("kbs");    // the KBS's own certificate (self-signed, 127.0.0.1)
    MakeCert("other");  // a certificate of someone else, same name
    MustRun(harness::Run(
        {"/usr/bin/openssl", "genpkey", "-algorithm", "ed25519", "-out", dir_.File("admin.key")}));
    MustRun(harness::Run({"/usr/bin/openssl", "pkey", "-in", dir_.File("admin.key"), "-pubout",
                          "-out", dir_.File("admin.pub")}));
    StartKbs();
    EncryptImage();
  }

  static void MustRun(const harness::CommandResult& r) {
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  void MakeCert(const std::string& name) {
    MustRun(harness::Run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                          "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1", "-days",
                          "2", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                          dir_.File(name + ".key"), "-out", dir_.File(name + ".crt")}));
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  void StartKbs() {
    std::string c = "[http_server]\nsockets = [\"127.0.0.1:" + std::to_string(port_) + "\"]\n";
    c += "insecure_http = false\nprivate_key = \"" + dir_.File("kbs.key") + "\"\ncertificate = \"" +
         dir_.File("kbs.crt") + "\"\n";
    // The agent here attests with the sample TEE, which proves nothing: turned on for this test.
    c += "\n[attestation_service]\ntype = \"coco_as_builtin\"\ninsecure_sample_tee = true\n";
    c += "\n[admin]\nauthorization_mode = \"AuthenticatedAuthorization\"\n";
    c += "[admin.authentication.bearer_jwt]\nidentity_providers = [ { public_key_uri = \"" +
         dir_.File("admin.pub") + "\" } ]\n";
    c += "[admin.authorization.regex_acl]\nacls = [ { role = \"admin\", allowed_endpoints = "
         "\"^/kbs/.+$\" } ]\n";
    c += "\n[storage_backend]\nstorage_type = \"Sqlite\"\n";
    c += "[storage_backend.backends.sqlite]\npath = \"" + dir_.File("kbs.sqlite") + "\"\n";
    c += "\n[policy_engine]\nbuiltin = \"allow_all\"\n";
    dir_.Write("kbs.toml", c);
    kbs_ = std::make_unique<harness::Process>(
        std::vector<std::string>{BinaryPath("cocoon-kbs"), "--config-file", dir_.File("kbs.toml")});
    ASSERT_TRUE(kbs_->WaitForLine("listening on", 20s)) << harness::ReadFile(kbs_->stderr_path());
  }

  // busybox with every layer encrypted under a KEK the KBS holds at default/image-key/busybox.
  void EncryptImage() {
    std::string plain = BuildBusyboxLayout(dir_);
    encrypted_ = "oci:" + dir_.File("encrypted") + ":latest";
    MustRun(harness::Run({BinaryPath("cocoon"), "image", "encrypt", "--encryption-key",
                          "provider:attestation-agent:kbs:///default/image-key/busybox", "--kbs",
                          url(), "--kbs-cacert", dir_.File("kbs.crt"), "--admin-key",
                          dir_.File("admin.key"), plain, encrypted_}));
  }

  // cocoon-agent with initdata naming the KBS and `cert` as kbc.kbs_cert.
  std::unique_ptr<runtime::AgentClient> StartAgent(const std::string& cert) {
    std::string pem = harness::ReadFile(dir_.File(cert));
    dir_.Write("initdata.toml",
               "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n"
               "\"cdh.toml\" = '''\n[kbc]\nname = \"cc_kbc\"\nurl = \"" +
                   url() + "\"\nkbs_cert = \"\"\"\n" + pem + "\"\"\"\n'''\n");
    agent_ = std::make_unique<harness::Process>(std::vector<std::string>{
        BinaryPath("cocoon-agent"), "--listen", "unix:" + dir_.File("agent.sock"), "--runtime",
        "/usr/sbin/runc", "--runtime-root", dir_.File("runc-state"), "--work-dir",
        dir_.File("work"), "--attester", "sample", "--insecure-accept-anything", "--initdata",
        dir_.File("initdata.toml")});
    EXPECT_TRUE(agent_->WaitForLine("listening", 10s)) << harness::ReadFile(agent_->stderr_path());
    auto c = runtime::AgentClient::DialUnix(dir_.File("agent.sock"));
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? std::move(*c) : nullptr;
  }

  Status PullAndCreate(runtime::AgentClient& a) {
    TRY(a.CreateSandbox({}));
    return a.CreateContainer(runtime::AgentClient::GuestPullRequest(
        "c1", encrypted_, {"/bin/sh", "-c", "echo decrypted in the guest"}));
  }

  harness::TempDir dir_;
  int port_ = 0;
  std::string encrypted_;
  std::unique_ptr<harness::Process> kbs_, agent_;
};

TEST_F(AgentKbsCertTest, KbsWhoseCertificateIsInTheInitDataIsReached) {
  auto a = StartAgent("kbs.crt");
  ASSERT_TRUE(a);
  auto created = PullAndCreate(*a);
  ASSERT_TRUE(created) << created.error().ToString() << "\n"
                       << harness::ReadFile(agent_->stderr_path());
  ASSERT_TRUE(a->StartContainer("c1"));
  std::string out;
  while (true) {
    auto chunk = a->ReadStdout("c1", "");
    ASSERT_TRUE(chunk) << chunk.error().ToString();
    if (chunk->empty()) break;
    out += *chunk;
  }
  EXPECT_EQ(out, "decrypted in the guest\n");
  EXPECT_TRUE(a->RemoveContainer("c1"));
}

TEST_F(AgentKbsCertTest, KbsWithAnotherCertificateIsRefused) {
  auto a = StartAgent("other.crt");
  ASSERT_TRUE(a);
  auto created = PullAndCreate(*a);
  ASSERT_FALSE(created) << "the layer key came from a KBS the initdata does not trust";
  EXPECT_EQ(created.error().code(), Code::kFailedPrecondition) << created.error().ToString();
  EXPECT_NE(created.error().message().find("SSL"), std::string::npos) << created.error().message();
}

}  // namespace
}  // namespace cocoon
