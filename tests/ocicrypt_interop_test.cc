// ocicrypt interop with the real skopeo 1.9.3 (Go ocicrypt + go-jose), the independent Python
// decrypter tests/interop/ocicrypt_decrypt.py and key provider keyprovider.py, on oci: layouts in a
// temp dir.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "base/encoding.h"
#include "base/json.h"
#include "crypto/keys.h"
#include "image/digest.h"
#include "image/ocicrypt/ocicrypt_encrypt.h"
#include "image/ocicrypt/ocicrypt_keywrap.h"
#include "image/ocicrypt/ocicrypt_stream.h"
#include "tests/harness.h"
#include "testutil/string_streams.h"

namespace cocoon::image {
namespace {

namespace fs = std::filesystem;

const std::string kInterop = COCOON_SOURCE_DIR "/tests/interop";

// Builds rootfs → one gzip layer (3 MB random file plus text) → oci layout "src:v1"
// (deterministic tar + gzip -n); then keys, a zstd copy and skopeo's three JWE encryptions.
constexpr const char* kSetup = R"(set -e
mkdir -p rootfs/etc; echo "hello from cocoon" > rootfs/hello.txt; echo v1 > rootfs/etc/version
head -c 3000000 /dev/urandom > rootfs/big.bin
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00:00' -C rootfs -cf layer.tar .
gzip -n -9 -c layer.tar > layer.tar.gz
DIFFID=sha256:$(sha256sum layer.tar | cut -d' ' -f1); LDIG=$(sha256sum layer.tar.gz | cut -d' ' -f1); LSIZE=$(stat -c%s layer.tar.gz)
mkdir -p src/blobs/sha256; cp layer.tar.gz src/blobs/sha256/$LDIG
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/cat","/hello.txt"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' $DIFFID > config.json
CDIG=$(sha256sum config.json | cut -d' ' -f1); CSIZE=$(stat -c%s config.json); cp config.json src/blobs/sha256/$CDIG
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' $CDIG $CSIZE $LDIG $LSIZE > manifest.json
MDIG=$(sha256sum manifest.json | cut -d' ' -f1); MSIZE=$(stat -c%s manifest.json); cp manifest.json src/blobs/sha256/$MDIG
printf '{"imageLayoutVersion":"1.0.0"}' > src/oci-layout
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' $MDIG $MSIZE > src/index.json
openssl genrsa -out rsa-priv.pem 2048 2>/dev/null; openssl rsa -in rsa-priv.pem -pubout -out rsa-pub.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out ec.sec1.pem; openssl pkcs8 -topk8 -nocrypt -in ec.sec1.pem -out ec-priv.pem; openssl ec -in ec-priv.pem -pubout -out ec-pub.pem 2>/dev/null
S="skopeo copy --insecure-policy"
$S --dest-compress --dest-compress-format zstd oci:src:v1 oci:src-zstd:v1 >/dev/null
$S --encryption-key jwe:rsa-pub.pem oci:src:v1 oci:enc-rsa:v1 >/dev/null
$S --encryption-key jwe:ec-pub.pem oci:src:v1 oci:enc-ec:v1 >/dev/null
$S --encryption-key jwe:rsa-pub.pem --encryption-key jwe:ec-pub.pem oci:src:v1 oci:enc-multi:v1 >/dev/null
)";

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void WriteAll(const fs::path& p, std::string_view s) { std::ofstream(p, std::ios::binary) << s; }
fs::path BlobPath(const fs::path& layout, const std::string& digest) {
  return layout / "blobs" / digest.substr(0, digest.find(':')) /
         digest.substr(digest.find(':') + 1);
}
// The manifest of the single image in an oci layout.
OrderedJson Manifest(const fs::path& layout) {
  auto index = OrderedJson::parse(ReadAll(layout / "index.json"));
  return OrderedJson::parse(
      ReadAll(BlobPath(layout, index["manifests"][0]["digest"].get<std::string>())));
}
Annotations AnnotationsOf(const OrderedJson& layer) {
  Annotations a;
  if (layer.contains("annotations")) {
    for (auto& [k, v] : layer["annotations"].items()) a[k] = v.get<std::string>();
  }
  return a;
}

using testutil::StringSink;
using testutil::StringSource;

class OcicryptInteropTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new harness::TempDir();
    auto r = harness::Run({"/bin/bash", "-c", "cd '" + dir_->path().string() + "' && " + kSetup});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static fs::path Path(std::string_view name) { return dir_->path() / name; }

  static DecryptionKeys Keys(std::string_view pem_file) {
    DecryptionKeys keys;
    EXPECT_TRUE(keys.AddPrivateKeyPem(ReadAll(Path(pem_file))).has_value());
    return keys;
  }
  static OrderedJson SourceLayer() { return Manifest(Path("src"))["layers"][0]; }

  // Decrypts the single layer of `layout` with `keys`; returns the Finish status of the chain
  // DecryptingSink → DigestingSink(original digest).
  static Status DecryptLayer(std::string_view layout, const DecryptionKeys& keys,
                             bool flip_byte = false) {
    OrderedJson layer = Manifest(Path(layout))["layers"][0];
    const std::string digest = layer["digest"].get<std::string>();
    Annotations ann = AnnotationsOf(layer);
    ASSIGN_OR_RETURN(LayerKey key, UnwrapLayerKey(ann, keys, digest));
    ASSIGN_OR_RETURN(PublicOptions pub, PublicOptionsFromAnnotations(ann));
    ASSIGN_OR_RETURN(Digest original, Digest::Parse(SourceLayer()["digest"].get<std::string>()));
    EXPECT_EQ(key.digest, original.String());
    std::string blob = ReadAll(BlobPath(Path(layout), digest));
    if (flip_byte) blob[blob.size() / 2] ^= 0x40;
    DigestingSink check(original, SourceLayer()["size"].get<uint64_t>(), nullptr);
    DecryptingSink dec(key, base::Base64Encode(pub.hmac), flip_byte ? nullptr : &check);
    for (size_t off = 0; off < blob.size(); off += 100000) {
      TRY(dec.Write(AsBytes(std::string_view(blob).substr(off, 100000))));
    }
    return dec.Finish();
  }

  // Encrypts every layer of `src_layout` for `recipients` into a new layout `dst_layout`.
  static void EncryptLayout(std::string_view src_layout, std::string_view dst_layout,
                            const std::vector<Recipient>& recipients) {
    fs::copy(Path(src_layout), Path(dst_layout), fs::copy_options::recursive);
    OrderedJson manifest = Manifest(Path(src_layout));
    for (auto& layer : manifest["layers"]) {
      StringSource plain(ReadAll(BlobPath(Path(src_layout), layer["digest"])));
      StringSink cipher;
      auto digest = Digest::Parse(layer["digest"].get<std::string>());
      auto enc = EncryptLayerStream(plain, cipher, recipients, *digest,
                                    layer["mediaType"].get<std::string>());
      ASSERT_TRUE(enc.has_value()) << enc.error().ToString();
      WriteAll(BlobPath(Path(dst_layout), enc->digest.String()), cipher.out);
      layer["mediaType"] = enc->media_type;
      layer["digest"] = enc->digest.String();
      layer["size"] = enc->size;
      layer["annotations"] = enc->annotations;
    }
    const std::string m = manifest.dump();
    const Digest md = Digest::Of(AsBytes(m));
    WriteAll(BlobPath(Path(dst_layout), md.String()), m);
    OrderedJson index = OrderedJson::parse(ReadAll(Path(dst_layout) / "index.json"));
    index["manifests"][0]["digest"] = md.String();
    index["manifests"][0]["size"] = m.size();
    WriteAll(Path(dst_layout) / "index.json", index.dump());
  }

  static std::vector<Recipient> RsaAndEc() {
    return {Recipient::Jwe(*crypto::PublicKey::FromPem(ReadAll(Path("rsa-pub.pem")))),
            Recipient::Jwe(*crypto::PublicKey::FromPem(ReadAll(Path("ec-pub.pem"))))};
  }

  static harness::TempDir* dir_;
};
harness::TempDir* OcicryptInteropTest::dir_ = nullptr;

TEST_F(OcicryptInteropTest, DecryptsSkopeoRsa) {
  EXPECT_EQ(Manifest(Path("enc-rsa"))["layers"][0]["mediaType"],
            "application/vnd.oci.image.layer.v1.tar+gzip+encrypted");
  auto s = DecryptLayer("enc-rsa", Keys("rsa-priv.pem"));
  EXPECT_TRUE(s.has_value()) << s.error().ToString();
}

TEST_F(OcicryptInteropTest, DecryptsSkopeoEc) {
  auto s = DecryptLayer("enc-ec", Keys("ec-priv.pem"));
  EXPECT_TRUE(s.has_value()) << s.error().ToString();
}

TEST_F(OcicryptInteropTest, DecryptsSkopeoMultiRecipientWithEitherKey) {
  for (const char* pem : {"rsa-priv.pem", "ec-priv.pem"}) {
    auto s = DecryptLayer("enc-multi", Keys(pem));
    EXPECT_TRUE(s.has_value()) << pem << ": " << s.error().ToString();
  }
}

TEST_F(OcicryptInteropTest, FlippedCiphertextByteIsDataLoss) {
  auto s = DecryptLayer("enc-rsa", Keys("rsa-priv.pem"), /*flip_byte=*/true);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kDataLoss);
  EXPECT_EQ(s.error().message(), "layer HMAC mismatch");
}

TEST_F(OcicryptInteropTest, WrongKeyIsClearError) {
  DecryptionKeys keys;
  keys.private_keys.push_back(*crypto::PrivateKey::Generate(crypto::KeyType::kRsa));
  keys.private_keys.push_back(*crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto s = DecryptLayer("enc-multi", keys);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kFailedPrecondition);
  const std::string digest = Manifest(Path("enc-multi"))["layers"][0]["digest"];
  EXPECT_EQ(s.error().message().rfind("no decryption key for layer " + digest, 0), 0u)
      << s.error().message();
}

TEST_F(OcicryptInteropTest, SkopeoDecryptsOurZstdLayout) {
  EncryptLayout("src-zstd", "ours-zstd", RsaAndEc());
  const OrderedJson original = Manifest(Path("src-zstd"))["layers"][0];
  EXPECT_EQ(Manifest(Path("ours-zstd"))["layers"][0]["mediaType"],
            "application/vnd.oci.image.layer.v1.tar+zstd+encrypted");
  for (std::string pem : {"rsa-priv.pem", "ec-priv.pem"}) {
    const std::string out = "dec-zstd-" + pem.substr(0, 2);
    auto r = harness::Run({"/usr/bin/skopeo", "copy", "--insecure-policy", "--decryption-key",
                           Path(pem).string(), "oci:" + Path("ours-zstd").string() + ":v1",
                           "oci:" + Path(out).string() + ":v1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    OrderedJson layer = Manifest(Path(out))["layers"][0];
    EXPECT_EQ(layer["digest"], original["digest"]) << pem;
    EXPECT_EQ(layer["mediaType"], "application/vnd.oci.image.layer.v1.tar+zstd");
  }
}

TEST_F(OcicryptInteropTest, SkopeoAndPythonDecryptOurGzipLayout) {
  EncryptLayout("src", "ours-gzip", RsaAndEc());
  auto r = harness::Run({"/usr/bin/skopeo", "copy", "--insecure-policy", "--decryption-key",
                         Path("rsa-priv.pem").string(), "oci:" + Path("ours-gzip").string() + ":v1",
                         "oci:" + Path("dec-gzip").string() + ":v1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Manifest(Path("dec-gzip"))["layers"][0]["digest"], SourceLayer()["digest"]);
  for (const char* pem : {"rsa-priv.pem", "ec-priv.pem"}) {
    auto py = harness::Run({"/usr/bin/python3", kInterop + "/ocicrypt_decrypt.py",
                            Path("ours-gzip").string(), "v1", Path(pem).string()});
    // The script checks the HMAC, the plaintext digest (private options) and the gunzipped
    // tar's digest (the config's diff_id) itself, and exits 1 on any mismatch.
    ASSERT_EQ(py.exit_code, 0) << py.out << py.err;
    EXPECT_NE(py.out.find("  hmac: ok"), std::string::npos) << py.out;
    EXPECT_NE(py.out.find("  plaintext digest: ok (" + SourceLayer()["digest"].get<std::string>()),
              std::string::npos)
        << py.out;
    EXPECT_NE(py.out.find("  diff_id: ok"), std::string::npos) << py.out;
  }
}

// keyprovider.py emulates the CoCo attestation-agent provider (keyprovider protocol, cmd variant).
class KeyProviderInteropTest : public ::testing::Test {
 protected:
  fs::path Path(std::string_view name) const { return dir_.path() / name; }
  std::string CallKp(const std::string& request) {
    auto r = harness::Run({"/usr/bin/env", "KP_KEYS=" + Path("kp-keys.json").string(),
                           "/usr/bin/python3", kInterop + "/keyprovider.py"},
                          request);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  crypto::SecretBytes Kek() const {
    crypto::SecretBytes k(32);
    for (size_t i = 0; i < 32; ++i) k.data()[i] = static_cast<uint8_t>(i * 11 + 3);
    WriteAll(Path("kp-keys.json"),
             R"({"default/key/1":")" + base::Base64Encode(k.span()) + R"("})");
    return k;
  }
  harness::TempDir dir_;
};

constexpr std::string_view kOpts =
    R"({"symkey":"FvpEpcuWW5uccTqLOqeNbYORs2U9B3IzHyvJqzcbzYQ=","digest":"sha256:7ff468fd7bdf59a518a2b36255d96af12c4385444612ab01e65033020630bdcd","cipheroptions":{"nonce":"obSK3NVAaUu9Gsx4nQG78w=="}})";

TEST_F(KeyProviderInteropTest, KpWrapsWeUnwrap) {
  crypto::SecretBytes kek = Kek();
  std::string reply = CallKp(KeyWrapRequest(
      "attestation-agent", "keyid=kbs:///default/key/1::algorithm=A256GCM", AsBytes(kOpts)));
  auto packet = ParseKeyWrapResponse(reply);
  ASSERT_TRUE(packet.has_value()) << reply;
  auto parsed = ParseAnnotationPacket(*packet);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->kid, "kbs:///default/key/1");
  EXPECT_EQ(parsed->wrap_type, "A256GCM");

  auto provider = std::make_shared<LocalKeyProvider>();
  ASSERT_TRUE(provider->Add("kbs:///default/key/1", kek.Clone()).has_value());
  DecryptionKeys keys;
  keys.provider = provider;
  Annotations ann{
      {std::string(kEncKeysProviderPrefix) + "attestation-agent", base::Base64Encode(*packet)}};
  auto key = UnwrapLayerKey(ann, keys, "sha256:kp");
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ(SerializePrivateOptions(*key).view(), kOpts);
}

TEST_F(KeyProviderInteropTest, WeWrapKpUnwraps) {
  crypto::SecretBytes kek = Kek();
  auto packet = WrapForKeyProvider("kbs:///default/key/1", kek, AsBytes(kOpts));
  ASSERT_TRUE(packet.has_value());
  std::string reply = CallKp(KeyUnwrapRequest(*packet));
  auto opts = ParseKeyUnwrapResponse(reply);
  ASSERT_TRUE(opts.has_value()) << reply;
  EXPECT_EQ(opts->view(), kOpts);
}

}  // namespace
}  // namespace cocoon::image
