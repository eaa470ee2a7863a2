// Tests for signature payloads, registries.d, lookaside stores, cosign signatures and policy
// evaluation with sigstoreSigned (real keys, in-process signature sources).

#include <gtest/gtest.h>

#include <map>

#include "base/json.h"
#include "image/signature/cosign.h"
#include "image/signature/lookaside.h"
#include "image/signature/registries_d.h"
#include "image/signature/signature_payload.h"
#include "image/signature/signature_policy_eval.h"
#include "testutil/temp_dir.h"

namespace cocoon::image {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'b');

TEST(SignaturePayload, ParsesSkopeoPayload) {
  std::string text =
      R"({"critical":{"identity":{"docker-reference":"127.0.0.1:5000/coco/s:v1"},"image":{"docker-manifest-digest":")" +
      kDigest +
      R"("},"type":"atomic container signature"},"optional":{"creator":"atomic 5.23.1","timestamp":1795844578,"x":1}})";
  auto p = ParseSignaturePayload(AsBytes(text), kAtomicSignatureType);
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->docker_reference, "127.0.0.1:5000/coco/s:v1");
  EXPECT_EQ(p->manifest_digest, kDigest);
  EXPECT_EQ(p->timestamp, 1795844578);
  Bytes built = BuildSignaturePayload(kCosignSignatureType, "r.io/a", kDigest, 0);
  auto c = ParseSignaturePayload(built, kCosignSignatureType);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->docker_reference, "r.io/a");
}

TEST(SignaturePayload, RejectsMalformed) {
  const std::string ok_critical =
      R"("critical":{"identity":{"docker-reference":"r.io/a:1"},"image":{"docker-manifest-digest":"sha256:00"},"type":"atomic container signature"})";
  struct Case {
    std::string json, needle;
  } cases[] = {
      {"{" + ok_critical + "}", "optional"},
      {"{" + ok_critical + R"(,"optional":{},"x":1})", "'x'"},
      {R"({"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"d"},"type":"atomic container signature","extra":1},"optional":{}})",
       "'extra'"},
      {R"({"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"d"},"type":"other"},"optional":{}})",
       "other"},
      {R"({"critical":{"identity":{"docker-reference":1},"image":{"docker-manifest-digest":"d"},"type":"atomic container signature"},"optional":{}})",
       "docker-reference"},
      {"{" + ok_critical + R"(,"optional":{"timestamp":"now"}})", "timestamp"},
      {"{" + ok_critical + R"(,"optional":null})", "optional"},
      {"[]", "object"},
  };
  for (const Case& c : cases) {
    auto p = ParseSignaturePayload(AsBytes(c.json), kAtomicSignatureType);
    ASSERT_FALSE(p) << c.json;
    EXPECT_EQ(p.error().code(), Code::kInvalidArgument);
    EXPECT_NE(p.error().message().find(c.needle), std::string::npos) << p.error().message();
  }
}

TEST(RegistriesD, MostSpecificScopeAndOldNames) {
  RegistriesConfig config;
  ASSERT_TRUE(config.AddYaml(R"(---
# comment
default-docker:
  sigstore: file:///default
docker:
  127.0.0.1:5000:
    lookaside: "file:///host"   # trailing comment
  127.0.0.1:5000/coco/app:
    lookaside: file:///app
    lookaside-staging: 'file:///staging'
    use-sigstore-attachments: true
  "*.example.com":
    sigstore: https://sig.example.com/store
)",
                             "a.yaml"));
  auto id = [](const char* r) { return *ImageIdentity::Parse(r); };
  EXPECT_EQ(config.LookasideUrl(id("127.0.0.1:5000/coco/app:v1")), "file:///app");
  EXPECT_EQ(config.LookasideStagingUrl(id("127.0.0.1:5000/coco/app:v1")), "file:///staging");
  EXPECT_TRUE(config.UseSigstoreAttachments(id("127.0.0.1:5000/coco/app:v1")));
  EXPECT_EQ(config.LookasideUrl(id("127.0.0.1:5000/coco/other:v1")), "file:///host");
  EXPECT_EQ(config.LookasideStagingUrl(id("127.0.0.1:5000/coco/other:v1")), "file:///host");
  EXPECT_FALSE(config.UseSigstoreAttachments(id("127.0.0.1:5000/coco/other:v1")));
  EXPECT_EQ(config.LookasideUrl(id("reg.example.com/x:1")), "https://sig.example.com/store");
  EXPECT_EQ(config.LookasideUrl(id("busybox")), "file:///default");
  EXPECT_EQ(RegistriesConfig().LookasideUrl(id("busybox")), kDefaultLookaside);
  EXPECT_EQ(LookasideSignatureUrl("file:///w/", id("127.0.0.1:5000/coco/app:v1"),
                                  *Digest::Parse(kDigest), 2),
            "file:///w/coco/app@sha256=" + std::string(64, 'b') + "/signature-2");
}

TEST(RegistriesD, RejectsBadYaml) {
  struct Case {
    std::string yaml, needle;
  } cases[] = {
      {"docker:\n  a.io:\n    lookside: file:///x\n", "lookside"},
      {"dokker:\n  a: b\n", "dokker"},
      {"docker:\n  a.io:\n    use-sigstore-attachments: maybe\n", "use-sigstore-attachments"},
      {"docker:\n\ta.io: x\n", "tab"},
      {"docker:\n  - a.io\n", "unsupported"},
      {"docker: {a.io: {}}\n", "unsupported"},
      {"docker:\n  a.io:\n    lookaside: x\n  a.io:\n    lookaside: y\n", "duplicate"},
      {"docker:\n    a.io:\n  b.io:\n", "indentation"},
      {"docker:\n  a.io:\n    lookaside: \"x\n", "quote"},
      {"just text\n", "key: value"},
  };
  for (const Case& c : cases) {
    RegistriesConfig config;
    Status st = config.AddYaml(c.yaml, "bad.yaml");
    ASSERT_FALSE(st) << c.yaml;
    EXPECT_EQ(st.error().code(), Code::kInvalidArgument);
    EXPECT_NE(st.error().message().find(c.needle), std::string::npos) << st.error().message();
  }
  RegistriesConfig twice;
  ASSERT_TRUE(twice.AddYaml("docker:\n  a.io:\n    lookaside: x\n", "1.yaml"));
  EXPECT_FALSE(twice.AddYaml("docker:\n  a.io:\n    lookaside: y\n", "2.yaml"));
}

TEST(Lookaside, WritesAndReadsFileStore) {
  testutil::TempDir dir;
  dir.Write("r.yaml", "docker:\n  127.0.0.1:5000:\n    lookaside: file://" + dir.path().string() +
                          "/store\n");
  auto config = RegistriesConfig::LoadDir(dir.path().string());
  ASSERT_TRUE(config) << config.error().ToString();
  auto id = *ImageIdentity::Parse("127.0.0.1:5000/coco/app:v1");
  Digest d = *Digest::Parse(kDigest);
  LookasideSignatureProvider provider(*config);
  auto none = provider.SimpleSignatures(id, d);
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_TRUE(none->empty());
  auto p1 = WriteLookasideSignature(*config, id, d, AsBytes("sig-one"));
  auto p2 = WriteLookasideSignature(*config, id, d, AsBytes("sig-two"));
  ASSERT_TRUE(p1 && p2);
  EXPECT_TRUE(p2->ends_with("/store/coco/app@sha256=" + std::string(64, 'b') + "/signature-2"));
  auto sigs = provider.SimpleSignatures(id, d);
  ASSERT_TRUE(sigs);
  ASSERT_EQ(sigs->size(), 2u);
  EXPECT_EQ(AsString((*sigs)[1]), "sig-two");
  EXPECT_EQ(FetchLookasideSignatures("ftp://x", id, d).error().code(), Code::kInvalidArgument);
}

// Cosign signatures served from memory, as the registry `.sig` tag would.
class MemoryCosign final : public SignatureProvider {
 public:
  std::vector<CosignSignature> sigs;
  Result<std::vector<Bytes>> SimpleSignatures(const ImageIdentity&, const Digest&) override {
    return std::vector<Bytes>();
  }
  Result<std::vector<CosignSignature>> CosignSignatures(const ImageIdentity&,
                                                        const Digest&) override {
    return sigs;
  }
};

std::string Policy(const std::string& pem, const std::string& identity) {
  Json key = pem;
  return R"({"default":[{"type":"reject"}],"transports":{"docker":{"r.io/coco":[{"type":"sigstoreSigned","keyData":)" +
         key.dump() + R"(,"signedIdentity":{"type":")" + identity + R"("}}]}}})";
}

TEST(Cosign, SignVerifyThroughManifestAndPolicy) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  auto other = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  ASSERT_TRUE(key && other);
  std::string manifest = R"({"schemaVersion":2})";
  Digest d = Digest::Of(AsBytes(manifest));
  auto sig = SignCosign(*key, "r.io/coco/app", d);
  ASSERT_TRUE(sig) << sig.error().ToString();
  CosignSignatureImage img = BuildCosignSignatureImage(d, {*sig});
  EXPECT_EQ(img.tag, "sha256-" + d.hex + ".sig");
  std::map<std::string, Bytes> blobs{{Digest::Of(img.layers[0]).String(), img.layers[0]}};
  auto parsed = ParseCosignSignatureManifest(
      img.manifest,
      [&](std::string_view dg) -> Result<Bytes> { return blobs.at(std::string(dg)); });
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].signature, sig->signature);

  MemoryCosign provider;
  provider.sigs = *parsed;
  auto id = *ImageIdentity::Parse("r.io/coco/app:v1");
  std::string pem = *key->public_key().ToPem();
  auto policy = ParsePolicy(Policy(pem, "matchRepository"));
  ASSERT_TRUE(policy) << policy.error().ToString();
  Status ok = EvaluatePolicy(*policy, id, AsBytes(manifest), provider);
  EXPECT_TRUE(ok) << ok.error().ToString();

  // cosign identities carry no tag: matchRepoDigestOrExact rejects a tagged pull.
  auto exact = ParsePolicy(Policy(pem, "matchRepoDigestOrExact"));
  Status st = EvaluatePolicy(*exact, id, AsBytes(manifest), provider);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
  EXPECT_NE(st.error().message().find("does not match"), std::string::npos);

  auto wrong = ParsePolicy(Policy(*other->public_key().ToPem(), "matchRepository"));
  st = EvaluatePolicy(*wrong, id, AsBytes(manifest), provider);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
  EXPECT_NE(st.error().message().find("does not verify"), std::string::npos);

  st = EvaluatePolicy(*policy, id, AsBytes(R"({"schemaVersion":3})"), provider);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("signature is for manifest"), std::string::npos);

  provider.sigs.clear();
  st = EvaluatePolicy(*policy, id, AsBytes(manifest), provider);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
  EXPECT_NE(st.error().message().find("A signature was required, but no signature exists"),
            std::string::npos);
  EXPECT_NE(st.error().message().find("transports.docker[\"r.io/coco\"]"), std::string::npos);
}

TEST(Cosign, ManifestBlobMismatchIsDataLoss) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kRsa);
  Digest d = Digest::Of(AsBytes("m"));
  auto sig = SignCosign(*key, "r.io/a", d);
  ASSERT_TRUE(sig);
  EXPECT_TRUE(VerifyCosignSignature(key->public_key(), *sig, d));
  CosignSignatureImage img = BuildCosignSignatureImage(d, {*sig});
  auto parsed = ParseCosignSignatureManifest(
      img.manifest, [](std::string_view) -> Result<Bytes> { return ToBytes("tampered"); });
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), Code::kDataLoss);
  EXPECT_EQ(LoadCosignPrivateKey("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n").error().code(),
            Code::kUnimplemented);
}

TEST(PolicyEval, AcceptAnythingAndReject) {
  MemoryCosign provider;
  auto id = *ImageIdentity::Parse("r.io/coco/app:v1");
  auto accept = ParsePolicy(R"({"default":[{"type":"insecureAcceptAnything"}]})");
  EXPECT_TRUE(EvaluatePolicy(*accept, id, AsBytes("{}"), provider));
  auto reject = ParsePolicy(
      R"({"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"r.io":[{"type":"insecureAcceptAnything"},{"type":"reject"}]}}})");
  Status st = EvaluatePolicy(*reject, id, AsBytes("{}"), provider);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kPermissionDenied);
  EXPECT_NE(st.error().message().find("transports.docker[\"r.io\"]"), std::string::npos);
  id.digest = "sha256:" + std::string(64, '0');
  EXPECT_EQ(EvaluatePolicy(*accept, id, AsBytes("{}"), provider).error().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace cocoon::image
