// The registry client and transports against real components on loopback: docker-registry (open,
// htpasswd Basic auth, token auth with a Python realm), skopeo 1.9.3 pushing and reading back,
// and a Python server that fails a blob download in the middle (Range resume, redirects).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/encoding.h"
#include "base/file.h"
#include "image/oci_layout.h"
#include "image/registry/registry_client.h"
#include "image/transport.h"
#include "net/http_client.h"
#include "tests/harness.h"
#include "tests/image_fixtures.h"
#include "tests/registry_servers.h"

namespace cocoon::image {
namespace {

namespace fs = std::filesystem;
using harness::Process;
using harness::TempDir;

const Platform kAmd64 = [] {
  Platform p;
  p.os = "linux";
  p.architecture = "amd64";
  return p;
}();

// Records what reaches it, and whether the stream was finished (i.e. declared good).
class RecordingSink final : public Sink {
 public:
  Status Write(std::span<const uint8_t> data) override {
    bytes.insert(bytes.end(), data.begin(), data.end());
    return Ok();
  }
  Status Finish() override {
    finished = true;
    return Ok();
  }
  Bytes bytes;
  bool finished = false;
};

// Forwards to a RecordingSink the test owns (FetchBlobs destroys the sinks it is given).
class ForwardSink final : public Sink {
 public:
  explicit ForwardSink(RecordingSink* to) : to_(to) {}
  Status Write(std::span<const uint8_t> data) override { return to_->Write(data); }
  Status Finish() override { return to_->Finish(); }

 private:
  RecordingSink* to_;
};

std::string Slurp(const std::string& path) { return harness::ReadFile(path); }

// A one-layer OCI layout at <dir>/src tagged v1 (deterministic tar + gzip -n).
void MakeLayout(const TempDir& dir) {
  std::string script = R"(set -e; cd ")" + dir.path().string() + R"("
mkdir -p rootfs/etc src/blobs/sha256; echo hello > rootfs/hello.txt; echo v1 > rootfs/etc/version
head -c 300000 /dev/urandom > rootfs/random.bin
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00:00' -C rootfs -cf layer.tar .
gzip -n -9 -c layer.tar > layer.tar.gz
DIFFID=sha256:$(sha256sum layer.tar | cut -d' ' -f1); LDIG=$(sha256sum layer.tar.gz | cut -d' ' -f1); LSIZE=$(stat -c%s layer.tar.gz)
cp layer.tar.gz src/blobs/sha256/$LDIG
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/cat","/hello.txt"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' $DIFFID > config.json
CDIG=$(sha256sum config.json | cut -d' ' -f1); CSIZE=$(stat -c%s config.json); cp config.json src/blobs/sha256/$CDIG
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' $CDIG $CSIZE $LDIG $LSIZE > manifest.json
MDIG=$(sha256sum manifest.json | cut -d' ' -f1); MSIZE=$(stat -c%s manifest.json); cp manifest.json src/blobs/sha256/$MDIG
printf '{"imageLayoutVersion":"1.0.0"}' > src/oci-layout
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' $MDIG $MSIZE > src/index.json
)";
  auto r = harness::Run({"/bin/sh", "-c", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

RegistryOptions Insecure() {
  RegistryOptions o;
  o.tls_verify = false;
  o.retry_delay = std::chrono::milliseconds(10);
  static const TempDir auth_dir;  // an empty auth file: never read the developer's own
  auth_dir.Write("auth.json", "{}");
  o.authfile = auth_dir.File("auth.json");
  o.credentials = std::nullopt;
  return o;
}

RegistryOptions WithCreds(const std::string& user, const std::string& pass) {
  RegistryOptions o = Insecure();
  o.credentials = Credentials{user, pass};
  return o;
}

// Copies one image blob by blob (small test images: blobs go through memory).
Status Copy(ImageSource& src, ImageDestination& dst, std::string_view tag) {
  ASSIGN_OR_RETURN(ResolvedImage img, ResolveImage(src, kAmd64));
  std::vector<Descriptor> blobs = img.manifest.layers;
  blobs.push_back(img.manifest.config);
  for (const Descriptor& d : blobs) {
    BytesSink sink(64 << 20);
    TRY(src.FetchBlob(d, sink));
    BytesSource source(sink.bytes());
    TRY(dst.PutBlob(d, source));
  }
  ASSIGN_OR_RETURN(Digest digest, dst.PutManifest(img.raw.bytes, img.raw.media_type, tag));
  if (digest != img.raw.digest) return DataLoss("copied manifest digest changed");
  return Ok();
}

std::string BlobFile(const std::string& layout, const Digest& d) {
  return layout + "/blobs/sha256/" + d.hex;
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { MakeLayout(dir_); }
  std::string Src() const { return "oci:" + dir_.File("src") + ":v1"; }
  TempDir dir_;
};

// HTTPS to a plain-HTTP registry: reported at once (no retry can help) with how to allow it.
TEST_F(RegistryTest, PlainHttpRegistryErrorSaysHowToAllowIt) {
  Registry reg(dir_);
  RegistryOptions o = Insecure();
  o.tls_verify = true;
  o.retry_delay = std::chrono::milliseconds(2000);
  auto src = OpenImageSource("docker://" + reg.host() + "/coco/plain:v1", o);
  ASSERT_TRUE(src.has_value()) << src.error().ToString();
  auto start = std::chrono::steady_clock::now();
  auto img = ResolveImage(**src, kAmd64);
  ASSERT_FALSE(img.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_EQ(img.error().code(), Code::kFailedPrecondition) << img.error().ToString();
  EXPECT_NE(
      img.error().message().find("serves plain HTTP; to use it anyway pass --tls-verify=false"),
      std::string::npos)
      << img.error().message();
}

TEST_F(RegistryTest, PullsWhatSkopeoPushed) {
  Registry reg(dir_);
  const std::string ref = "docker://" + reg.host() + "/coco/plain:v1";
  auto push = Skopeo({"copy", "--insecure-policy", "--dest-tls-verify=false", Src(), ref});
  ASSERT_EQ(push.exit_code, 0) << push.err;

  auto src = OpenImageSource(ref, Insecure());
  ASSERT_TRUE(src.has_value()) << src.error().ToString();
  auto img = ResolveImage(**src, kAmd64);
  ASSERT_TRUE(img.has_value()) << img.error().ToString();
  EXPECT_EQ(ToString(img->raw.bytes), Slurp(dir_.File("manifest.json")));
  EXPECT_EQ(img->raw.media_type, media::kOciManifest);
  EXPECT_FALSE(img->index_digest.has_value());

  // Layers and config, fetched concurrently, equal the source layout's files.
  std::vector<Descriptor> blobs = img->manifest.layers;
  blobs.push_back(img->manifest.config);
  std::vector<RecordingSink> sinks(blobs.size());
  auto st = FetchBlobs(
      **src, blobs,
      [&](size_t i) -> Result<std::unique_ptr<Sink>> {
        return std::unique_ptr<Sink>(new ForwardSink(&sinks[i]));
      },
      3);
  ASSERT_TRUE(st.has_value()) << st.error().ToString();
  EXPECT_EQ(ToString(sinks[0].bytes), Slurp(dir_.File("layer.tar.gz")));
  EXPECT_EQ(ToString(sinks[1].bytes), Slurp(dir_.File("config.json")));
  EXPECT_TRUE(sinks[0].finished);
  auto config = FetchConfig(**src, img->manifest);
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->cmd, (std::vector<std::string>{"/bin/cat", "/hello.txt"}));

  // Pinned by digest; HEAD; tags; an unknown tag.
  auto client = RegistryClient::Create(*ParseReference(reg.host() + "/coco/plain"), Insecure());
  ASSERT_TRUE(client.has_value());
  auto pinned = (*client)->GetManifest(img->raw.digest.String());
  ASSERT_TRUE(pinned.has_value()) << pinned.error().ToString();
  EXPECT_EQ(pinned->bytes, img->raw.bytes);
  auto head = (*client)->HeadManifest("v1");
  ASSERT_TRUE(head.has_value()) << head.error().ToString();
  EXPECT_EQ(head->digest, img->raw.digest);
  EXPECT_EQ(head->size, img->raw.bytes.size());
  EXPECT_EQ(head->media_type, media::kOciManifest);
  auto tags = (*client)->ListTags();
  ASSERT_TRUE(tags.has_value());
  EXPECT_EQ(*tags, std::vector<std::string>{"v1"});
  EXPECT_EQ((*client)->GetManifest("nope").error().code(), Code::kNotFound);
  EXPECT_EQ((*client)->GetManifest("bad tag").error().code(), Code::kInvalidArgument);
}

TEST_F(RegistryTest, SkopeoReadsWhatWePushed) {
  Registry reg(dir_);
  auto src = OpenImageSource(Src(), Insecure());
  ASSERT_TRUE(src.has_value()) << src.error().ToString();
  const std::string ref = "docker://" + reg.host() + "/coco/ours:v2";
  auto dst = OpenImageDestination(ref, Insecure());
  ASSERT_TRUE(dst.has_value());
  auto st = Copy(**src, **dst, "");
  ASSERT_TRUE(st.has_value()) << st.error().ToString();
  // A second push finds every blob present (HEAD) and only re-puts the manifest.
  ASSERT_TRUE(Copy(**src, **dst, "v3").has_value());

  auto raw = Skopeo({"inspect", "--raw", "--tls-verify=false", ref});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(raw.out, Slurp(dir_.File("manifest.json")));
  auto pull = Skopeo({"copy", "--insecure-policy", "--src-tls-verify=false", ref,
                      "oci:" + dir_.File("back") + ":v2"});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  auto m = ParseManifest(AsBytes(Slurp(dir_.File("manifest.json"))));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(Slurp(BlobFile(dir_.File("back"), m->layers[0].digest)),
            Slurp(dir_.File("layer.tar.gz")));
}

TEST_F(RegistryTest, OciLayoutRoundTripWithSkopeo) {
  auto src = OpenImageSource(Src(), Insecure());
  ASSERT_TRUE(src.has_value());
  auto dst = OpenImageDestination("oci:" + dir_.File("ours") + ":t1", Insecure());
  ASSERT_TRUE(dst.has_value()) << dst.error().ToString();
  ASSERT_TRUE(Copy(**src, **dst, "").has_value());
  ASSERT_TRUE(Copy(**src, **dst, "t2").has_value());  // second tag, same manifest
  auto raw = Skopeo({"inspect", "--raw", "oci:" + dir_.File("ours") + ":t2"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(raw.out, Slurp(dir_.File("manifest.json")));
  auto copy = Skopeo({"copy", "--insecure-policy", "oci:" + dir_.File("ours") + ":t1",
                      "oci:" + dir_.File("viaskopeo") + ":x"});
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  // And we read what skopeo wrote.
  auto back = OpenImageSource("oci:" + dir_.File("viaskopeo") + ":x", Insecure());
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  auto img = ResolveImage(**back, kAmd64);
  ASSERT_TRUE(img.has_value()) << img.error().ToString();
  EXPECT_EQ(ToString(img->raw.bytes), Slurp(dir_.File("manifest.json")));
  // Re-tagging t1 replaces the entry instead of adding one.
  ASSERT_TRUE(Copy(**src, **dst, "t1").has_value());
  auto index = ParseIndex(AsBytes(Slurp(dir_.File("ours") + "/index.json")));
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->manifests.size(), 2u);
  EXPECT_EQ(OpenImageSource("oci:" + dir_.File("ours") + ":missing", Insecure())
                .value()
                ->GetManifest(std::nullopt)
                .error()
                .code(),
            Code::kNotFound);
  EXPECT_EQ(OpenImageSource("ftp://x", Insecure()).error().code(), Code::kInvalidArgument);
}

TEST_F(RegistryTest, TamperedBlobAndManifestAreDataLoss) {
  Registry reg(dir_);
  const std::string ref = "docker://" + reg.host() + "/coco/tamper:v1";
  ASSERT_EQ(Skopeo({"copy", "--insecure-policy", "--dest-tls-verify=false", Src(), ref}).exit_code,
            0);
  auto m = ParseManifest(AsBytes(Slurp(dir_.File("manifest.json"))));
  ASSERT_TRUE(m.has_value());
  std::string layer_path = reg.BlobData(m->layers[0].digest);
  std::string layer = Slurp(layer_path);
  ASSERT_FALSE(layer.empty());
  layer[layer.size() / 2] ^= 0x01;  // same size, one flipped bit
  std::ofstream(layer_path, std::ios::binary | std::ios::trunc) << layer;

  auto src = OpenImageSource(ref, Insecure());
  ASSERT_TRUE(src.has_value());
  RecordingSink sink;
  auto st = (*src)->FetchBlob(m->layers[0], sink);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), Code::kDataLoss);
  EXPECT_NE(st.error().message().find("digest mismatch"), std::string::npos);
  EXPECT_FALSE(sink.finished);

  // The manifest blob itself: the registry still serves the tag, we refuse the bytes.
  Digest mdig = Digest::Of(AsBytes(Slurp(dir_.File("manifest.json"))));
  std::string mpath = reg.BlobData(mdig);
  std::string manifest = Slurp(mpath);
  manifest[manifest.find("+gzip") + 3] = 'j';  // still valid JSON for the registry
  std::ofstream(mpath, std::ios::binary | std::ios::trunc) << manifest;
  auto got = (*src)->GetManifest(std::nullopt);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code(), Code::kDataLoss) << got.error().ToString();
  auto pinned =
      OpenImageSource("docker://" + reg.host() + "/coco/tamper@" + mdig.String(), Insecure());
  ASSERT_TRUE(pinned.has_value());
  EXPECT_EQ((*pinned)->GetManifest(std::nullopt).error().code(), Code::kDataLoss);
}

TEST_F(RegistryTest, BasicAuthFromAuthJson) {
  auto hash = harness::Run({"/usr/bin/python3", "-W", "ignore", "-c",
                            "import crypt; print(crypt.crypt('secret', "
                            "crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))"});
  ASSERT_EQ(hash.exit_code, 0) << hash.err;
  ASSERT_TRUE(hash.out.starts_with("$2b$")) << hash.out;
  dir_.Write("htpasswd", "alice:" + hash.out);
  Registry reg(dir_,
               "auth: {htpasswd: {realm: cocoon-basic, path: " + dir_.File("htpasswd") + "}}\n");
  const std::string ref = "docker://" + reg.host() + "/coco/basic:v1";
  auto push = Skopeo({"copy", "--insecure-policy", "--dest-tls-verify=false", "--dest-creds",
                      "alice:secret", Src(), ref});
  ASSERT_EQ(push.exit_code, 0) << push.err;

  dir_.Write("auth.json", R"({"auths":{")" + reg.host() + R"(":{"auth":")" +
                              base::Base64Encode("alice:secret") + R"("}}})");
  RegistryOptions o = Insecure();
  o.authfile = dir_.File("auth.json");
  auto src = OpenImageSource(ref, o);
  ASSERT_TRUE(src.has_value()) << src.error().ToString();
  auto img = ResolveImage(**src, kAmd64);
  ASSERT_TRUE(img.has_value()) << img.error().ToString();
  EXPECT_EQ(ToString(img->raw.bytes), Slurp(dir_.File("manifest.json")));
  RecordingSink sink;
  ASSERT_TRUE((*src)->FetchBlob(img->manifest.layers[0], sink).has_value());
  EXPECT_EQ(ToString(sink.bytes), Slurp(dir_.File("layer.tar.gz")));

  auto anon = OpenImageSource(ref, Insecure());
  ASSERT_TRUE(anon.has_value());
  EXPECT_EQ((*anon)->GetManifest(std::nullopt).error().code(), Code::kUnauthenticated);
  auto wrong = OpenImageSource(ref, WithCreds("alice", "wrong"));
  ASSERT_TRUE(wrong.has_value());
  EXPECT_EQ((*wrong)->GetManifest(std::nullopt).error().code(), Code::kUnauthenticated);
}

TEST_F(RegistryTest, BearerTokenRealmFlow) {
  auto key = harness::Run({"/usr/bin/openssl", "ecparam", "-name", "prime256v1", "-genkey",
                           "-noout", "-out", dir_.File("tok.key")});
  ASSERT_EQ(key.exit_code, 0) << key.err;
  auto cert = harness::Run({"/usr/bin/openssl", "req", "-x509", "-new", "-key",
                            dir_.File("tok.key"), "-out", dir_.File("tok.crt"), "-days", "1",
                            "-subj", "/CN=cocoon token signer"});
  ASSERT_EQ(cert.exit_code, 0) << cert.err;
  dir_.Write("token_realm.py", testing::kTokenServerPy);
  int token_port = harness::FreePort();
  Process token({"/usr/bin/python3", dir_.File("token_realm.py"), std::to_string(token_port),
                 dir_.File("tok.key"), dir_.File("tok.crt"), dir_.File("token.log")});
  ASSERT_TRUE(token.WaitForLine("READY", std::chrono::seconds(10))) << Slurp(token.stderr_path());
  Registry reg(dir_, "auth: {token: {realm: 'http://127.0.0.1:" + std::to_string(token_port) +
                         "/token', service: cocoon-test-registry, issuer: cocoon-test-issuer, "
                         "rootcertbundle: " +
                         dir_.File("tok.crt") + "}}\n");
  const std::string ref = "docker://" + reg.host() + "/coco/tok:v1";

  // Anonymous tokens only carry pull: the push is refused.
  auto src = OpenImageSource(Src(), Insecure());
  ASSERT_TRUE(src.has_value());
  auto anon_dst = OpenImageDestination(ref, Insecure());
  ASSERT_TRUE(anon_dst.has_value());
  auto refused = Copy(**src, **anon_dst, "");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), Code::kUnauthenticated);

  // With credentials the realm grants pull,push.
  auto dst = OpenImageDestination(ref, WithCreds("alice", "secret"));
  ASSERT_TRUE(dst.has_value());
  auto st = Copy(**src, **dst, "");
  ASSERT_TRUE(st.has_value()) << st.error().ToString();

  // Anonymous pull through the realm flow, and skopeo agrees on the bytes.
  auto pull = OpenImageSource(ref, Insecure());
  ASSERT_TRUE(pull.has_value());
  auto img = ResolveImage(**pull, kAmd64);
  ASSERT_TRUE(img.has_value()) << img.error().ToString();
  EXPECT_EQ(ToString(img->raw.bytes), Slurp(dir_.File("manifest.json")));
  RecordingSink sink;
  ASSERT_TRUE((*pull)->FetchBlob(img->manifest.layers[0], sink).has_value());
  EXPECT_EQ(ToString(sink.bytes), Slurp(dir_.File("layer.tar.gz")));
  auto inspect = Skopeo({"inspect", "--raw", "--tls-verify=false", ref});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(inspect.out, Slurp(dir_.File("manifest.json")));

  std::string log = Slurp(dir_.File("token.log"));
  EXPECT_NE(log.find("token user=alice scope=repository:coco/tok:pull,push"), std::string::npos)
      << log;
  EXPECT_NE(log.find("token user=anonymous scope=repository:coco/tok:pull"), std::string::npos)
      << log;
  auto wrong = OpenImageSource(ref, WithCreds("alice", "nope"));
  ASSERT_TRUE(wrong.has_value());
  auto denied = (*wrong)->GetManifest(std::nullopt);
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code(), Code::kUnauthenticated);
  EXPECT_NE(denied.error().message().find("token realm"), std::string::npos);
}

TEST(RegistryResumeTest, RetriesThenResumesWithRangeAndDropsAuthOnRedirect) {
  TempDir dir;
  Bytes blob(1 << 20);
  for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  dir.Write("blob.bin", AsString(blob));
  Digest digest = Digest::Of(blob);
  dir.Write("flaky.py", testing::kFlakyServerPy);
  int port = harness::FreePort();
  Process server({"/usr/bin/python3", dir.File("flaky.py"), std::to_string(port),
                  dir.File("blob.bin"), digest.String(), dir.File("flaky.log")});
  ASSERT_TRUE(server.WaitForLine("READY", std::chrono::seconds(10))) << Slurp(server.stderr_path());
  const std::string host = "127.0.0.1:" + std::to_string(port);
  Descriptor d;
  d.media_type = media::kOciLayerGzip;
  d.digest = digest;
  d.size = blob.size();

  auto client = RegistryClient::Create(*ParseReference(host + "/r"), WithCreds("u", "p"));
  ASSERT_TRUE(client.has_value());
  RecordingSink sink;
  auto st = (*client)->FetchBlob(d, sink);
  ASSERT_TRUE(st.has_value()) << st.error().ToString();
  EXPECT_TRUE(sink.finished);
  EXPECT_EQ(sink.bytes, blob);  // nothing delivered twice
  std::string log = Slurp(dir.File("flaky.log"));
  EXPECT_NE(log.find("blob attempt=1 range=\n"), std::string::npos) << log;
  EXPECT_NE(log.find("blob attempt=2 range=\n"), std::string::npos) << log;
  EXPECT_NE(log.find("blob attempt=3 range=bytes=" + std::to_string(blob.size() / 2) + "-\n"),
            std::string::npos)
      << log;

  // Redirect to another origin: the blob arrives, the credentials do not follow.
  auto moved = RegistryClient::Create(*ParseReference(host + "/moved"), WithCreds("u", "p"));
  ASSERT_TRUE(moved.has_value());
  RecordingSink moved_sink;
  auto mst = (*moved)->FetchBlob(d, moved_sink);
  ASSERT_TRUE(mst.has_value()) << mst.error().ToString();
  EXPECT_EQ(moved_sink.bytes, blob);
  log = Slurp(dir.File("flaky.log"));
  EXPECT_NE(log.find("storage auth=no"), std::string::npos) << log;
  EXPECT_EQ(log.find("storage auth=yes"), std::string::npos) << log;

  // A wrong expected digest: DataLoss, the sink is not finished.
  Descriptor wrong = d;
  wrong.digest = Digest::Of(AsBytes("other"));
  auto other = RegistryClient::Create(*ParseReference(host + "/moved"), WithCreds("u", "p"));
  RecordingSink wrong_sink;
  auto bad = (*other)->FetchBlob(wrong, wrong_sink);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kNotFound);  // the server has no such blob path
}

}  // namespace
}  // namespace cocoon::image
