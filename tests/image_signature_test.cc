// Signature interop with real tools: GPG simple signing against gpg + skopeo (standalone-sign,
// standalone-verify) through a file:// lookaside, and cosign signatures against a real
// docker-registry with shared/tools/interop/cosign_sign.py and cosign_verify.py.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "harness.h"
#include "image/cosign.h"
#include "image/gpg.h"
#include "image/lookaside.h"
#include "image/policy_eval.h"
#include "net/http_client.h"

namespace cocoon::image {
namespace {

using harness::Run;
const std::string kInterop = COCOON_SOURCE_DIR "/../shared/tools/interop";
const std::string kManifest =
    R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]})";

// A GNUPGHOME with one ed25519 signing key (no passphrase); its agent is killed at the end.
class GpgHome {
 public:
  explicit GpgHome(const std::string& home) : home_(home) {
    mkdir(home.c_str(), 0700);
    auto r = Gpg({"--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
                  "CoCo Test Signer <signer@example.test>", "ed25519", "sign", "never"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = Gpg({"--batch", "--with-colons", "--list-secret-keys"});
    size_t fpr = r.out.find("\nfpr:");
    if (fpr != std::string::npos) {
      size_t start = r.out.find_first_not_of(':', fpr + 5);
      fingerprint_ = r.out.substr(start, r.out.find(':', start) - start);
    }
    EXPECT_EQ(fingerprint_.size(), 40u) << r.out;
    public_key_ = Gpg({"--batch", "--export", fingerprint_}).out;
    EXPECT_FALSE(public_key_.empty());
  }
  ~GpgHome() { Run({"/usr/bin/env", "GNUPGHOME=" + home_, "/usr/bin/gpgconf", "--kill", "all"}); }

  harness::CommandResult Gpg(std::vector<std::string> args) const {
    args.insert(args.begin(), {"/usr/bin/env", "GNUPGHOME=" + home_, "/usr/bin/gpg"});
    return Run(args);
  }
  harness::CommandResult Skopeo(std::vector<std::string> args) const {
    args.insert(args.begin(), {"/usr/bin/env", "GNUPGHOME=" + home_, "/usr/bin/skopeo"});
    return Run(args);
  }
  const std::string& home() const { return home_; }
  const std::string& fingerprint() const { return fingerprint_; }
  const std::string& public_key() const { return public_key_; }

 private:
  std::string home_, fingerprint_, public_key_;
};

class GpgSigning : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    signer_ = std::make_unique<GpgHome>(dir_.File("gnupg"));
    dir_.Write("signer.gpg", signer_->public_key());
    dir_.Write("manifest.json", kManifest);
    std::filesystem::create_directories(dir_.File("registries.d"));
    dir_.Write(
        "registries.d/local.yaml",
        "docker:\n  127.0.0.1:5000/coco:\n    lookaside: file://" + dir_.File("lookaside") + "\n");
    registries_ = *RegistriesConfig::LoadDir(dir_.File("registries.d"));
  }
  ContainersPolicy SignedByPolicy(const std::string& identity, const std::string& key) {
    auto p = ParsePolicy(
        R"({"default":[{"type":"reject"}],"transports":{"docker":{"127.0.0.1:5000/coco":[{"type":"signedBy","keyType":"GPGKeys","keyPath":")" +
        key + R"(","signedIdentity":{"type":")" + identity + R"("}}]}}})");
    EXPECT_TRUE(p) << p.error().ToString();
    return *p;
  }
  Status Evaluate(const ContainersPolicy& policy, const std::string& ref) {
    LookasideSignatureProvider provider(registries_);
    return EvaluatePolicy(policy, *ImageIdentity::Parse(ref), AsBytes(kManifest), provider);
  }
  Digest digest_ = Digest::Of(AsBytes(kManifest));
  harness::TempDir dir_;
  std::unique_ptr<GpgHome> signer_;
  RegistriesConfig registries_;
};

TEST_F(GpgSigning, SkopeoSignatureVerifiedByOursThroughLookaside) {
  auto r =
      signer_->Skopeo({"standalone-sign", dir_.File("manifest.json"), "127.0.0.1:5000/coco/app:v1",
                       signer_->fingerprint(), "-o", dir_.File("skopeo.sig")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto id = *ImageIdentity::Parse("127.0.0.1:5000/coco/app:v1");
  std::string sig = harness::ReadFile(dir_.File("skopeo.sig"));
  auto written = WriteLookasideSignature(registries_, id, digest_, AsBytes(sig));
  ASSERT_TRUE(written) << written.error().ToString();
  EXPECT_EQ(*written, dir_.File("lookaside") + "/coco/app@sha256=" + digest_.hex + "/signature-1");

  const std::string key = dir_.File("signer.gpg");
  Status st = Evaluate(SignedByPolicy("matchRepoDigestOrExact", key), "127.0.0.1:5000/coco/app:v1");
  EXPECT_TRUE(st) << st.error().ToString();
  // Same digest under another tag: matchExact rejects, matchRepository accepts.
  st = Evaluate(SignedByPolicy("matchExact", key), "127.0.0.1:5000/coco/app:v2");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
  EXPECT_NE(st.error().message().find("does not match"), std::string::npos);
  EXPECT_TRUE(Evaluate(SignedByPolicy("matchRepository", key), "127.0.0.1:5000/coco/app:v2"));
  EXPECT_TRUE(Evaluate(SignedByPolicy("matchRepoDigestOrExact", key),
                       "127.0.0.1:5000/coco/app@" + digest_.String()));

  // One flipped byte in the stored signature.
  sig[sig.size() / 2] ^= 0x01;
  std::ofstream(*written, std::ios::binary | std::ios::trunc) << sig;
  st = Evaluate(SignedByPolicy("matchRepository", key), "127.0.0.1:5000/coco/app:v1");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
  EXPECT_NE(st.error().message().find("no signature matches key(s) " + signer_->fingerprint()),
            std::string::npos)
      << st.error().message();
}

TEST_F(GpgSigning, OurSignatureVerifiedBySkopeoAndByUs) {
  auto sig =
      SignSimple(signer_->fingerprint(), signer_->home(), "127.0.0.1:5000/coco/app:v1", digest_);
  ASSERT_TRUE(sig) << sig.error().ToString();
  dir_.Write("ours.sig", AsString(*sig));
  auto r = signer_->Skopeo({"standalone-verify", dir_.File("manifest.json"),
                            "127.0.0.1:5000/coco/app:v1", signer_->fingerprint(),
                            dir_.File("ours.sig")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Signature verified"), std::string::npos) << r.out;

  auto verifier = GpgVerifier::Create({ToBytes(signer_->public_key())});
  ASSERT_TRUE(verifier) << verifier.error().ToString();
  auto v = (*verifier)->Verify(*sig);
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_EQ(v->fingerprint, signer_->fingerprint());

  // Signed by another key: rejected under the first key's policy.
  GpgHome other(dir_.File("gnupg-other"));
  dir_.Write("other.gpg", other.public_key());
  auto id = *ImageIdentity::Parse("127.0.0.1:5000/coco/app:v1");
  ASSERT_TRUE(WriteLookasideSignature(registries_, id, digest_, *sig));
  EXPECT_TRUE(Evaluate(SignedByPolicy("matchExact", dir_.File("signer.gpg")),
                       "127.0.0.1:5000/coco/app:v1"));
  Status st =
      Evaluate(SignedByPolicy("matchExact", dir_.File("other.gpg")), "127.0.0.1:5000/coco/app:v1");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
  EXPECT_NE(st.error().message().find(other.fingerprint()), std::string::npos);
}

TEST_F(GpgSigning, UnsignedImageRejected) {
  Status st = Evaluate(SignedByPolicy("matchRepository", dir_.File("signer.gpg")),
                       "127.0.0.1:5000/coco/unsigned:v1");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
  EXPECT_NE(st.error().message().find("A signature was required, but no signature exists"),
            std::string::npos);
  EXPECT_NE(st.error().message().find("transports.docker[\"127.0.0.1:5000/coco\"]"),
            std::string::npos);
}

}  // namespace
}  // namespace cocoon::image
