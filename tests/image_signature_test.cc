// Signature interop with real tools: GPG simple signing against gpg + skopeo (standalone-sign,
// standalone-verify) through a file:// lookaside, and cosign signatures against a real
// docker-registry with tests/interop/cosign_sign.py and cosign_verify.py.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "harness.h"
#include "image/signature/cosign.h"
#include "image/signature/gpg.h"
#include "image/signature/lookaside.h"
#include "image/signature/signature_policy_eval.h"
#include "net/http_client.h"
#include "tests/image_fixtures.h"

namespace cocoon::image {
namespace {

using harness::Run;
const std::string kInterop = COCOON_SOURCE_DIR "/tests/interop";
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

// A docker-registry on a free loopback port, with a tiny image pushed as coco/app:v1.
class CosignInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    registry_ = std::make_unique<image::Registry>(dir_);  // tests/image_fixtures.h
    host_ = registry_->host();
    Status pushed = PushBlob("coco/app", ToBytes("{}"));
    ASSERT_TRUE(pushed) << pushed.error().ToString();
    ASSERT_TRUE(PutManifest("coco/app", "v1", ToBytes(kManifest)));
  }
  std::string Base(const std::string& repo) { return "http://" + host_ + "/v2/" + repo; }
  Status PushBlob(const std::string& repo, ByteSpan blob) {
    ASSIGN_OR_RETURN(auto start, http_.Post(Base(repo) + "/blobs/uploads/", ""));
    auto loc = start.headers.Get("location");
    if (start.status != 202 || !loc) return Internal("upload start: " + start.body);
    std::string url(*loc);
    if (url.starts_with("/")) url = "http://" + host_ + url;
    url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") +
           Digest::Of(blob).String();
    dir_.Write("blob", AsString(blob));
    auto r = harness::Run({"/usr/bin/curl", "-sf", "-X", "PUT", "-H",
                           "Content-Type: application/octet-stream", "--data-binary",
                           "@" + dir_.File("blob"), url});
    if (r.exit_code != 0) return Internal("blob upload: " + r.out + r.err);
    return Ok();
  }
  Status PutManifest(const std::string& repo, const std::string& tag, ByteSpan manifest) {
    net::Headers h;
    h.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json");
    ASSIGN_OR_RETURN(auto put,
                     http_.Send("PUT", Base(repo) + "/manifests/" + tag, h, AsString(manifest)));
    if (put.status != 201) return Internal("manifest upload: " + put.body);
    return Ok();
  }
  // Reads the `.sig` tag from the registry (what the registry client will do).
  CosignFetcher Fetcher() {
    return [this](const ImageIdentity& id,
                  const Digest& d) -> Result<std::vector<CosignSignature>> {
      std::string repo = id.repository.substr(id.repository.find('/') + 1);
      net::Headers h;
      h.Set("Accept", "application/vnd.oci.image.manifest.v1+json");
      ASSIGN_OR_RETURN(auto m, http_.Get(Base(repo) + "/manifests/" + CosignSignatureTag(d), h));
      if (m.status == 404) return std::vector<CosignSignature>();
      return ParseCosignSignatureManifest(
          AsBytes(m.body), [&](std::string_view digest) -> Result<Bytes> {
            ASSIGN_OR_RETURN(auto b, http_.Get(Base(repo) + "/blobs/" + std::string(digest)));
            return ToBytes(b.body);
          });
    };
  }
  Status Evaluate(const std::string& pubkey_path, const std::string& identity) {
    auto policy =
        ParsePolicy(R"({"default":[{"type":"reject"}],"transports":{"docker":{")" + host_ +
                    R"(/coco":[{"type":"sigstoreSigned","keyPath":")" + pubkey_path +
                    R"(","signedIdentity":{"type":")" + identity + R"("}}]}}})");
    if (!policy) return std::unexpected(policy.error());
    LookasideSignatureProvider provider(RegistriesConfig(), Fetcher());
    return EvaluatePolicy(*policy, *ImageIdentity::Parse(host_ + "/coco/app:v1"),
                          AsBytes(kManifest), provider);
  }
  harness::TempDir dir_;
  std::string host_;
  std::unique_ptr<image::Registry> registry_;
  net::HttpClient http_;
};

TEST_F(CosignInterop, CosignSignPySignatureVerifiedByOurs) {
  auto r = harness::Run(
      {"/usr/bin/python3", kInterop + "/cosign_keygen.py", dir_.File("cosign"), "coco-pass"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = harness::Run({"/usr/bin/python3", kInterop + "/cosign_keygen.py", dir_.File("other"), "x"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Status st = Evaluate(dir_.File("cosign.pub"), "matchRepository");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("A signature was required, but no signature exists"),
            std::string::npos);
  r = harness::Run({"/usr/bin/python3", kInterop + "/cosign_sign.py", host_, "coco/app", "v1",
                    dir_.File("cosign.private"), "coco-pass"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  st = Evaluate(dir_.File("cosign.pub"), "matchRepository");
  EXPECT_TRUE(st) << st.error().ToString();
  st = Evaluate(dir_.File("other.pub"), "matchRepository");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
  EXPECT_NE(st.error().message().find("does not verify"), std::string::npos);
}

TEST_F(CosignInterop, OurSignatureVerifiedByCosignVerifyPy) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  ASSERT_TRUE(key);
  dir_.Write("ours.pub", *key->public_key().ToPem());
  auto other = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  dir_.Write("other.pub", *other->public_key().ToPem());
  Digest d = Digest::Of(AsBytes(kManifest));
  auto sig = SignCosign(*key, host_ + "/coco/app", d);
  ASSERT_TRUE(sig) << sig.error().ToString();
  CosignSignatureImage img = BuildCosignSignatureImage(d, {*sig});
  ASSERT_TRUE(PushBlob("coco/app", img.config));
  for (const Bytes& layer : img.layers) ASSERT_TRUE(PushBlob("coco/app", layer));
  ASSERT_TRUE(PutManifest("coco/app", img.tag, img.manifest));
  auto r = harness::Run({"/usr/bin/python3", kInterop + "/cosign_verify.py", host_, "coco/app",
                         "v1", dir_.File("ours.pub")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("VALID"), std::string::npos) << r.out;
  r = harness::Run({"/usr/bin/python3", kInterop + "/cosign_verify.py", host_, "coco/app", "v1",
                    dir_.File("other.pub")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("INVALID"), std::string::npos) << r.out;
  Status st = Evaluate(dir_.File("ours.pub"), "matchRepository");
  EXPECT_TRUE(st) << st.error().ToString();
}

}  // namespace
}  // namespace cocoon::image
