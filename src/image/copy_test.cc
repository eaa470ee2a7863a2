// Unit tests for the copy/encrypt glue: the bounded blob pipe, CopyImage between OCI layouts
// (plain, encrypting, corrupted source), --encryption-key parsing and layer key descriptions.
#include "image/copy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "base/encoding.h"
#include "crypto/keys.h"
#include "image/inspect.h"
#include "image/oci_layout.h"
#include "image/ocicrypt/encrypt_image.h"
#include "testutil/temp_dir.h"

namespace cocoon::image {
namespace {

// A one-layer layout written through the oci: destination itself.
std::string MakeLayout(const testutil::TempDir& dir, const Bytes& layer) {
  std::string path = dir.File("src");
  auto dest = OpenOciLayoutDestination({path, "v1"});
  EXPECT_TRUE(dest);
  Bytes config = ToBytes(R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}})");
  Manifest m{.media_type = std::string(media::kOciManifest),
             .config = {.media_type = std::string(media::kOciConfig),
                        .digest = Digest::Of(config),
                        .size = config.size()}};
  m.layers.push_back({.media_type = std::string(media::kOciLayerGzip),
                      .digest = Digest::Of(layer),
                      .size = layer.size()});
  BytesSource c(config), l(layer);
  EXPECT_TRUE((*dest)->PutBlob(m.config, c));
  EXPECT_TRUE((*dest)->PutBlob(m.layers[0], l));
  std::string bytes = SerializeManifest(m);
  EXPECT_TRUE((*dest)->PutManifest(AsBytes(bytes), media::kOciManifest));
  return path;
}

TEST(CopyImage, PlainCopyKeepsManifestAndEncryptedCopyRewritesLayers) {
  testutil::TempDir dir;
  Bytes layer(3 << 20, 0x5a);
  std::string src_path = MakeLayout(dir, layer);
  auto src = OpenOciLayoutSource({src_path, "v1"});
  ASSERT_TRUE(src);
  auto plain = OpenOciLayoutDestination({dir.File("plain"), "v1"});
  CopyOptions o{.pipe_bytes = 4096};
  o.platform.os = "linux";
  o.platform.architecture = "amd64";
  auto copied = CopyImage(**src, **plain, o);
  ASSERT_TRUE(copied) << copied.error().ToString();
  EXPECT_EQ(copied->manifest_digest, copied->source_digest);

  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  ASSERT_TRUE(key);
  o.transform = MakeEncryptTransform({Recipient::Jwe(key->public_key())});
  o.temp_dir = dir.path().string();
  auto enc = OpenOciLayoutDestination({dir.File("enc"), "v1"});
  auto encrypted = CopyImage(**src, **enc, o);
  ASSERT_TRUE(encrypted) << encrypted.error().ToString();
  const Descriptor& l = encrypted->manifest.layers.at(0);
  EXPECT_EQ(l.media_type, "application/vnd.oci.image.layer.v1.tar+gzip+encrypted");
  EXPECT_EQ(l.size, layer.size());
  EXPECT_NE(l.digest, Digest::Of(layer));
  EXPECT_EQ(DescribeLayerKeys(l.annotations), std::vector<std::string>{"jwe:ECDH-ES+A256KW"});
  EXPECT_TRUE(std::filesystem::exists(dir.File("enc") + "/blobs/sha256/" + l.digest.hex));
  EXPECT_FALSE(CheckEncryptable(encrypted->manifest));
}

TEST(CopyImage, CorruptSourceLayerIsDataLossAndNoManifestIsWritten) {
  testutil::TempDir dir;
  Bytes layer(1 << 20, 0x11);
  std::string src_path = MakeLayout(dir, layer);
  std::ofstream(src_path + "/blobs/sha256/" + Digest::Of(layer).hex,
                std::ios::binary | std::ios::in | std::ios::out)
      .put('X');
  auto src = OpenOciLayoutSource({src_path, "v1"});
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  for (bool transform : {false, true}) {
    std::string out = dir.File(transform ? "enc" : "plain");
    auto dest = OpenOciLayoutDestination({out, "v1"});
    CopyOptions o{.temp_dir = dir.path().string()};
    o.platform.os = "linux";
    o.platform.architecture = "amd64";
    if (transform) o.transform = MakeEncryptTransform({Recipient::Jwe(key->public_key())});
    auto r = CopyImage(**src, **dest, o);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), Code::kDataLoss) << r.error().ToString();
    EXPECT_NE(r.error().message().find(Digest::Of(layer).String()), std::string::npos);
    EXPECT_FALSE(OpenOciLayoutSource({out, "v1"}).value()->GetManifest(std::nullopt));
  }
}

TEST(EncryptionKey, ParsesTheSupportedForms) {
  auto kid = ParseEncryptionKey("provider:attestation-agent:kbs:///default/key/1");
  ASSERT_TRUE(kid);
  EXPECT_EQ(kid->kid, "kbs:///default/key/1");
  auto kv = ParseEncryptionKey(
      "provider:attestation-agent:keyid=kbs:///a/b/c::keypath=/k.bin::algorithm=A256GCM");
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->kid, "kbs:///a/b/c");
  EXPECT_EQ(kv->keypath, "/k.bin");
  for (std::string_view bad :
       {"jwe:", "pgp:x", "provider:attestation-agent", "provider:attestation-agent:sample=true",
        "provider:attestation-agent:kbs:///a/../c", "provider:attestation-agent:kbs://h/a/b/c",
        "provider:attestation-agent:keyid=kbs:///a/b/c::algorithm=A256CTR", "provider:x:y"}) {
    auto r = ParseEncryptionKey(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << bad;
  }
  auto missing = ParseEncryptionKey("jwe:/nonexistent/pub.pem");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_EQ(*KbsResourcePath("kbs:///default/key/img"), "default/key/img");
}

TEST(DescribeLayerKeys, MalformedEntriesAreDescribedNotFatal) {
  Annotations a{{"org.opencontainers.image.enc.keys.jwe", "!!!,e30="},
                {"org.opencontainers.image.enc.keys.provider.attestation-agent",
                 base::Base64Encode(std::string_view(R"({"kid":"kbs:///r/t/1"})"))},
                {"org.opencontainers.image.enc.keys.pgp", "AAAA"}};
  EXPECT_EQ(DescribeLayerKeys(a),
            (std::vector<std::string>{"jwe:?", "jwe:?", "pgp",
                                      "provider:attestation-agent:kbs:///r/t/1"}));
}

}  // namespace
}  // namespace cocoon::image
