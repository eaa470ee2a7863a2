// `cocoon image pull/unpack` end to end against real components: docker-registry on loopback,
// images pushed and encrypted by skopeo 1.9.3, cosign signatures made by the reference script,
// and the real cocoon CLI. Every failure case asserts that the bundle directory never appears.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/json.h"
#include "tests/harness.h"
#include "tests/image_fixtures.h"

namespace cocoon::image {
namespace {

namespace fs = std::filesystem;
using harness::BinaryPath;
using harness::TempDir;

const std::string kInterop = COCOON_SOURCE_DIR "/tests/interop/";

// Two layers: a gzip layer with /hello.txt, /etc/version, /old.txt and /data/big.bin, and an
// uncompressed tar layer that whites out /old.txt and adds /new.txt. Tagged v1 in <dir>/src.
void MakeTwoLayerLayout(const TempDir& dir) {
  std::string script = R"(set -e; cd ")" + dir.path().string() + R"("
mkdir -p l1/etc l1/data l2 src/blobs/sha256
echo hello > l1/hello.txt; echo v1 > l1/etc/version; echo old > l1/old.txt
head -c 1500000 /dev/urandom > l1/data/big.bin
echo new > l2/new.txt; : > l2/.wh.old.txt
T="tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=2024-01-01"
$T -C l1 -cf l1.tar . ; gzip -n -6 -c l1.tar > l1.tar.gz; $T -C l2 -cf l2.tar .
D1=$(sha256sum l1.tar | cut -d' ' -f1); B1=$(sha256sum l1.tar.gz | cut -d' ' -f1); S1=$(stat -c%s l1.tar.gz)
D2=$(sha256sum l2.tar | cut -d' ' -f1); S2=$(stat -c%s l2.tar)
cp l1.tar.gz src/blobs/sha256/$B1; cp l2.tar src/blobs/sha256/$D2
printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/bin/cat"],"Cmd":["/hello.txt"],"Env":["GREETING=hi"],"WorkingDir":"/data"},"rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s"]}}' $D1 $D2 > config.json
C=$(sha256sum config.json | cut -d' ' -f1); CS=$(stat -c%s config.json); cp config.json src/blobs/sha256/$C
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d},{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' $C $CS $B1 $S1 $D2 $S2 > manifest.json
M=$(sha256sum manifest.json | cut -d' ' -f1); MS=$(stat -c%s manifest.json); cp manifest.json src/blobs/sha256/$M
printf '{"imageLayoutVersion":"1.0.0"}' > src/oci-layout
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' $M $MS > src/index.json
openssl genrsa -out priv.pem 2048 2>/dev/null; openssl rsa -in priv.pem -pubout -out pub.pem 2>/dev/null
openssl genrsa -out other.pem 2048 2>/dev/null
)";
  auto r = harness::Run({"/bin/sh", "-c", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

class ImagePullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeTwoLayerLayout(dir_);
    registry_ = std::make_unique<Registry>(dir_);
  }
  std::string Ref(const std::string& name) const {
    return "docker://" + registry_->host() + "/" + name;
  }
  void Push(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"copy", "--insecure-policy", "--dest-tls-verify=false"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("oci:" + dir_.File("src") + ":v1");
    args.push_back(Ref(name));
    auto r = Skopeo(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  harness::CommandResult Cocoon(std::vector<std::string> args) {
    args.insert(args.begin(), {BinaryPath("cocoon"), "image"});
    return harness::Run(args);
  }
  std::vector<std::string> Common() {
    return {"--tls-verify=false", "--store", dir_.File("store"), "--authfile", AuthFile()};
  }
  std::string AuthFile() {
    dir_.Write("auth.json", "{}");
    return dir_.File("auth.json");
  }

  TempDir dir_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(ImagePullTest, EncryptedImageUnpacksIntoABundle) {
  Push("app:enc", {"--encryption-key", "jwe:" + dir_.File("pub.pem")});
  std::string bundle = dir_.File("bundle");
  std::vector<std::string> args = {
      "pull", "--insecure-policy", "--decryption-key", dir_.File("priv.pem"), "--unpack", bundle};
  for (auto& a : Common()) args.push_back(a);
  args.push_back(Ref("app:enc"));
  auto r = Cocoon(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("sha256:")) << r.out;
  EXPECT_NE(r.err.find("layer keys unwrapped: 2"), std::string::npos) << r.err;
  EXPECT_EQ(harness::ReadFile(bundle + "/rootfs/hello.txt"), "hello\n");
  EXPECT_EQ(harness::ReadFile(bundle + "/rootfs/new.txt"), "new\n");
  EXPECT_FALSE(fs::exists(bundle + "/rootfs/old.txt"));  // whited out by layer 2
  EXPECT_EQ(harness::ReadFile(bundle + "/rootfs/data/big.bin"),
            harness::ReadFile(dir_.File("l1/data/big.bin")));
  auto config = base::ParseJson(harness::ReadFile(bundle + "/config.json"));
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ((*config)["process"]["args"], Json::array({"/bin/cat", "/hello.txt"}));
  EXPECT_EQ((*config)["process"]["cwd"], "/data");
  EXPECT_EQ((*config)["root"]["path"], "rootfs");
  // Layers went through the content store and are reused from it.
  EXPECT_TRUE(fs::exists(dir_.File("store/blobs/sha256")));
}

TEST_F(ImagePullTest, MissingOrWrongKeyLeavesNothing) {
  Push("app:enc", {"--encryption-key", "jwe:" + dir_.File("pub.pem")});
  std::string bundle = dir_.File("bundle");
  for (std::vector<std::string> keys :
       {std::vector<std::string>{}, {"--decryption-key", dir_.File("other.pem")}}) {
    std::vector<std::string> args = {"pull", "--insecure-policy", "--unpack", bundle};
    args.insert(args.end(), keys.begin(), keys.end());
    for (auto& a : Common()) args.push_back(a);
    args.push_back(Ref("app:enc"));
    auto r = Cocoon(args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("FailedPrecondition"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("decryption key"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(bundle));
  }
}

// The HMAC annotation is changed (the manifest is re-hashed so every digest still matches):
// the plaintext streams into staging, the HMAC check fails at the end, nothing is committed.
TEST_F(ImagePullTest, HmacMismatchLeavesNothing) {
  auto enc = Skopeo({"copy", "--insecure-policy", "--encryption-key", "jwe:" + dir_.File("pub.pem"),
                     "oci:" + dir_.File("src") + ":v1", "oci:" + dir_.File("enc") + ":v1"});
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  std::string script = R"(set -e; cd ")" + dir_.File("enc") + R"("
python3 - <<'PY'
import json, hashlib, base64
idx = json.load(open('index.json')); d = idx['manifests'][0]['digest'].split(':')[1]
m = json.load(open('blobs/sha256/' + d))
ann = m['layers'][0]['annotations']
pub = json.loads(base64.b64decode(ann['org.opencontainers.image.enc.pubopts']))
h = bytearray(base64.b64decode(pub['hmac'])); h[0] ^= 1; pub['hmac'] = base64.b64encode(bytes(h)).decode()
ann['org.opencontainers.image.enc.pubopts'] = base64.b64encode(json.dumps(pub).encode()).decode()
b = json.dumps(m).encode(); nd = hashlib.sha256(b).hexdigest()
open('blobs/sha256/' + nd, 'wb').write(b)
idx['manifests'][0]['digest'] = 'sha256:' + nd; idx['manifests'][0]['size'] = len(b)
json.dump(idx, open('index.json', 'w'))
PY
)";
  auto edit = harness::Run({"/bin/sh", "-c", script});
  ASSERT_EQ(edit.exit_code, 0) << edit.err;
  std::string bundle = dir_.File("bundle");
  auto r = Cocoon({"unpack", "--insecure-policy", "--decryption-key", dir_.File("priv.pem"),
                   "--store", dir_.File("store"), "oci:" + dir_.File("enc") + ":v1", bundle});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HMAC"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(bundle));
}

TEST_F(ImagePullTest, StoreThenUnpackFromTheStore) {
  Push("app:plain");
  std::vector<std::string> args = {"pull", "--insecure-policy"};
  for (auto& a : Common()) args.push_back(a);
  args.push_back(Ref("app:plain"));
  auto pulled = Cocoon(args);
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  std::string digest = pulled.out.substr(0, pulled.out.find('\n'));
  // The store is an OCI layout that skopeo reads too.
  std::string store_ref = "oci:" + dir_.File("store") + ":" + registry_->host() + "/app:plain";
  auto inspect = Skopeo({"inspect", "--raw", store_ref});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  auto unpacked = Cocoon(
      {"unpack", "--insecure-policy", "--store", dir_.File("store2"), store_ref, dir_.File("b2")});
  ASSERT_EQ(unpacked.exit_code, 0) << unpacked.err;
  EXPECT_EQ(unpacked.out.substr(0, unpacked.out.find('\n')), digest);
  EXPECT_EQ(harness::ReadFile(dir_.File("b2/rootfs/new.txt")), "new\n");
}

// The tar-bomb limits are the user's to tighten: a layer past one is refused naming the limit,
// and nothing is left in the bundle directory.
TEST_F(ImagePullTest, UnpackLimitsFromTheCommandLine) {
  Push("app:plain");
  std::vector<std::string> args = {"unpack", "--insecure-policy", "--max-entries", "1"};
  for (auto& a : Common()) args.push_back(a);
  args.push_back("docker://" + registry_->host() + "/app:plain");
  args.push_back(dir_.File("limited"));
  auto r = Cocoon(args);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("max_entries"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_.File("limited")));
  args[3] = "1000";
  auto ok = Cocoon(args);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST_F(ImagePullTest, SignaturePolicyGatesThePull) {
  Push("app:signed");
  Push("other:unsigned");  // same bytes, another repository: no signature there
  auto key =
      harness::Run({"/usr/bin/python3", kInterop + "cosign_keygen.py", dir_.File("cosign"), "pw"});
  ASSERT_EQ(key.exit_code, 0) << key.err;
  auto sign = harness::Run({"/usr/bin/python3", kInterop + "cosign_sign.py", registry_->host(),
                            "app", "signed", dir_.File("cosign.private"), "pw"});
  ASSERT_EQ(sign.exit_code, 0) << sign.err;
  dir_.Write("policy.json", R"({"default":[{"type":"reject"}],"transports":{"docker":{")" +
                                registry_->host() + R"(":[{"type":"sigstoreSigned","keyPath":")" +
                                dir_.File("cosign.pub") +
                                R"(","signedIdentity":{"type":"matchRepository"}}]}}})");
  auto pull = [&](const std::string& tag, const std::string& bundle) {
    std::vector<std::string> args = {"pull", "--policy", dir_.File("policy.json"), "--unpack",
                                     bundle};
    for (auto& a : Common()) args.push_back(a);
    args.push_back(Ref(tag));
    return Cocoon(args);
  };
  auto ok = pull("app:signed", dir_.File("b-signed"));
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.err.find("signature policy: accepted"), std::string::npos) << ok.err;
  EXPECT_TRUE(fs::exists(dir_.File("b-signed/rootfs/hello.txt")));

  auto unsigned_pull = pull("other:unsigned", dir_.File("b-unsigned"));
  EXPECT_EQ(unsigned_pull.exit_code, 1);
  EXPECT_NE(unsigned_pull.err.find("PermissionDenied"), std::string::npos) << unsigned_pull.err;
  EXPECT_FALSE(fs::exists(dir_.File("b-unsigned")));

  // No policy file and no --insecure-policy: refused before anything is fetched (when the
  // machine has no /etc/containers/policy.json) or evaluated against it.
  auto bad = Cocoon({"pull", "--policy", dir_.File("missing.json"), Ref("app:signed")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("missing.json"), std::string::npos) << bad.err;
}

TEST_F(ImagePullTest, BadInputsAreClearErrors) {
  auto transport = Cocoon({"pull", "--insecure-policy", "ftp://x/y"});
  EXPECT_EQ(transport.exit_code, 1);
  EXPECT_NE(transport.err.find("ftp"), std::string::npos) << transport.err;
  auto key = Cocoon(
      {"pull", "--insecure-policy", "--decryption-key", dir_.File("nope.pem"), Ref("app:x")});
  EXPECT_EQ(key.exit_code, 1);
  EXPECT_NE(key.err.find("nope.pem"), std::string::npos) << key.err;
  auto missing = Cocoon({"pull", "--insecure-policy", "--tls-verify=false", "--authfile",
                         AuthFile(), "--store", dir_.File("store"), Ref("app:absent")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("NotFound"), std::string::npos) << missing.err;
  auto usage = Cocoon({"pull"});
  EXPECT_EQ(usage.exit_code, 2);
}

}  // namespace
}  // namespace cocoon::image
