// `cocoon image sign` + `cocoon image verify` end to end: cosign-format signatures pushed to a
// real docker-registry (checked by tests/interop/cosign_verify.py) and GPG simple
// signatures in a file:// lookaside (checked by `skopeo standalone-verify`).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/image_cli_fixture.h"

namespace cocoon::image_cli {
namespace {

class ImageSign : public ImageCli {
 protected:
  void SetUp() override {
    ImageCli::SetUp();
    PushPlain("coco/app:v1");
    // Another image in the same repository (its encrypted variant: another manifest digest).
    auto r = Cocoon({"encrypt", "--dest-tls-verify=false", "--encryption-key",
                     "jwe:" + dir_.File("rsa-pub.pem"), Src(), Docker("coco/app:other")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  void WritePolicy(const std::string& requirement) {
    dir_.Write("policy.json", R"({"default":[{"type":"reject"}],"transports":{"docker":{")" +
                                  host_ + "/coco\":[" + requirement + "]}}}");
  }

  CommandResult Verify(const std::string& image, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"verify", "--policy", dir_.File("policy.json"),
                                     "--tls-verify=false"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(Docker(image));
    return Cocoon(args);
  }

  std::string Digest(const std::string& image) {
    auto raw = Cocoon({"inspect", "--raw", "--tls-verify=false", Docker(image)});
    auto r = harness::Run({"/usr/bin/sha256sum"}, raw.out);
    return "sha256:" + r.out.substr(0, 64);
  }
};

TEST_F(ImageSign, CosignSignThenVerify) {
  Sh(R"(openssl ecparam -name prime256v1 -genkey -noout -out cosign.sec1
openssl pkcs8 -topk8 -nocrypt -in cosign.sec1 -out cosign.key
openssl ec -in cosign.key -pubout -out cosign.pub 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout | openssl ec -pubout -out other.pub 2>/dev/null)");
  WritePolicy(R"({"type":"sigstoreSigned","keyPath":")" + dir_.File("cosign.pub") +
              R"(","signedIdentity":{"type":"matchRepository"}})");
  auto unsigned_ = Verify("coco/app:v1");
  EXPECT_EQ(unsigned_.exit_code, 1);
  EXPECT_NE(unsigned_.err.find("A signature was required, but no signature exists"),
            std::string::npos)
      << unsigned_.err;

  std::string digest = Digest("coco/app:v1");
  auto sign = Cocoon(
      {"sign", "--tls-verify=false", "--key", dir_.File("cosign.key"), Docker("coco/app:v1")});
  ASSERT_EQ(sign.exit_code, 0) << sign.err;
  std::string tag = "sha256-" + digest.substr(7) + ".sig";
  EXPECT_NE(sign.out.find("signed " + digest + " (cosign, identity " + host_ + "/coco/app)"),
            std::string::npos)
      << sign.out;
  EXPECT_NE(sign.out.find(host_ + "/coco/app:" + tag), std::string::npos) << sign.out;

  auto ok = Verify("coco/app:v1");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "accepted: " + host_ + "/coco/app@" + digest + "\n");
  auto py = harness::Run({"/usr/bin/python3", kInterop + "/cosign_verify.py", host_, "coco/app",
                          "v1", dir_.File("cosign.pub")});
  EXPECT_EQ(py.exit_code, 0) << py.out << py.err;
  EXPECT_NE(py.out.find("VALID"), std::string::npos) << py.out;

  // A second signature is appended to the same `.sig` image.
  ASSERT_EQ(Cocoon({"sign", "--tls-verify=false", "--key", dir_.File("cosign.key"),
                    Docker("coco/app:v1")})
                .exit_code,
            0);
  auto sig = Skopeo({"inspect", "--raw", "--tls-verify=false", Docker("coco/app:" + tag)});
  auto sig_json = base::ParseJson(sig.out);
  ASSERT_TRUE(sig_json) << sig.err;
  EXPECT_EQ((*sig_json)["layers"].size(), 2u);

  // The wrong key, an unsigned image, and another image's signature copied to its tag.
  WritePolicy(R"({"type":"sigstoreSigned","keyPath":")" + dir_.File("other.pub") +
              R"(","signedIdentity":{"type":"matchRepository"}})");
  auto wrong = Verify("coco/app:v1");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("PermissionDenied"), std::string::npos) << wrong.err;
  WritePolicy(R"({"type":"sigstoreSigned","keyPath":")" + dir_.File("cosign.pub") +
              R"(","signedIdentity":{"type":"matchRepository"}})");
  std::string other_tag = "sha256-" + Digest("coco/app:other").substr(7) + ".sig";
  auto copy = Skopeo({"copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                      Docker("coco/app:" + tag), Docker("coco/app:" + other_tag)});
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  auto swapped = Verify("coco/app:other");
  EXPECT_EQ(swapped.exit_code, 1);
  EXPECT_NE(swapped.err.find("PermissionDenied"), std::string::npos) << swapped.err;
  EXPECT_NE(swapped.err.find(digest), std::string::npos) << swapped.err;
}

TEST_F(ImageSign, GpgSignThenVerifyAndSkopeoStandaloneVerify) {
  std::string home = dir_.File("gnupg");
  ASSERT_EQ(mkdir(home.c_str(), 0700), 0);
  auto gpg = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/env", "GNUPGHOME=" + home, "/usr/bin/gpg", "--batch"});
    return harness::Run(args);
  };
  struct AgentKiller {
    std::string home;
    ~AgentKiller() {
      harness::Run({"/usr/bin/env", "GNUPGHOME=" + home, "gpgconf", "--kill", "all"});
    }
  } killer{home};
  auto r = gpg({"--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
                "CoCo Test Signer <signer@example.test>", "ed25519", "sign", "never"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = gpg({"--with-colons", "--list-secret-keys"});
  size_t at = r.out.find("\nfpr:::::::::");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::string fpr = r.out.substr(at + 13, 40);
  dir_.Write("signer.gpg", gpg({"--export", fpr}).out);

  std::filesystem::create_directories(dir_.File("registries.d"));
  dir_.Write("registries.d/local.yaml",
             "docker:\n  " + host_ + "/coco:\n    lookaside: file://" + dir_.File("lookaside") +
                 "\n    lookaside-staging: file://" + dir_.File("lookaside") + "\n");
  WritePolicy(R"({"type":"signedBy","keyType":"GPGKeys","keyPath":")" + dir_.File("signer.gpg") +
              R"(","signedIdentity":{"type":"matchExact"}})");
  std::vector<std::string> regd = {"--registries.d", dir_.File("registries.d")};
  auto none = Verify("coco/app:v1", regd);
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("A signature was required, but no signature exists"), std::string::npos)
      << none.err;

  std::string digest = Digest("coco/app:v1");
  auto sign = Cocoon({"sign", "--tls-verify=false", "--gpg-key", fpr, "--gnupg-home", home,
                      "--registries.d", dir_.File("registries.d"), Docker("coco/app:v1")});
  ASSERT_EQ(sign.exit_code, 0) << sign.err;
  std::string sig_path =
      dir_.File("lookaside") + "/coco/app@sha256=" + digest.substr(7) + "/signature-1";
  EXPECT_NE(sign.out.find(sig_path), std::string::npos) << sign.out;

  auto ok = Verify("coco/app:v1", regd);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "accepted: " + host_ + "/coco/app@" + digest + "\n");

  dir_.Write("manifest.raw",
             Cocoon({"inspect", "--raw", "--tls-verify=false", Docker("coco/app:v1")}).out);
  auto sv =
      harness::Run({"/usr/bin/env", "GNUPGHOME=" + home, "/usr/bin/skopeo", "standalone-verify",
                    dir_.File("manifest.raw"), host_ + "/coco/app:v1", fpr, sig_path});
  EXPECT_EQ(sv.exit_code, 0) << sv.err;
  EXPECT_NE(sv.out.find("Signature verified"), std::string::npos) << sv.out;

  // matchExact: the signature names :v1, so the same digest under another tag is rejected.
  auto retag = Skopeo({"copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                       Docker("coco/app:v1"), Docker("coco/app:v2")});
  ASSERT_EQ(retag.exit_code, 0) << retag.err;
  auto v2 = Verify("coco/app:v2", regd);
  EXPECT_EQ(v2.exit_code, 1);
  EXPECT_NE(v2.err.find("does not match"), std::string::npos) << v2.err;
  // An image that was never signed.
  auto other = Verify("coco/app:other", regd);
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("no signature exists"), std::string::npos) << other.err;
}

}  // namespace
}  // namespace cocoon::image_cli
