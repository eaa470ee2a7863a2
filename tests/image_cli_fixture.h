// Shared fixture for the `cocoon image` CLI tests: a docker-registry on a free loopback port,
// a one-layer OCI layout and RSA/EC key pairs in a temp dir, and helpers to run cocoon/skopeo.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/json.h"
#include "tests/harness.h"
#include "tests/image_fixtures.h"

namespace cocoon::image_cli {

using harness::CommandResult;
using harness::Process;
using harness::TempDir;

inline const std::string kInterop = COCOON_SOURCE_DIR "/tests/interop";

inline CommandResult Cocoon(std::vector<std::string> args) {
  args.insert(args.begin(), {harness::BinaryPath("cocoon"), "image"});
  return harness::Run(args);
}

inline CommandResult Skopeo(std::vector<std::string> args) {
  args.insert(args.begin(), {"/usr/bin/skopeo", "--insecure-policy"});
  return harness::Run(args);
}

// Layer descriptors of an OCI layout's manifest (via skopeo inspect --raw).
inline Json LayoutLayers(const std::string& transport_ref) {
  auto r = Skopeo({"inspect", "--raw", transport_ref});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = base::ParseJson(r.out);
  return j ? (*j)["layers"] : Json();
}

// A docker-registry on a free loopback port plus a one-layer OCI layout <dir>/src:v1.
class ImageCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    registry_ = std::make_unique<image::Registry>(dir_);  // tests/image_fixtures.h
    host_ = registry_->host();
    MakeLayout();
    MakeKeys();
  }

  void Sh(const std::string& script) {
    auto r =
        harness::Run({"/bin/sh", "-c", "set -e; cd '" + dir_.path().string() + "'; " + script});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  void MakeLayout() {
    Sh(R"(mkdir -p rootfs/etc src/blobs/sha256; echo hello > rootfs/hello.txt
head -c 200000 /dev/urandom > rootfs/random.bin
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00:00' -C rootfs -cf layer.tar .
gzip -n -9 -c layer.tar > layer.tar.gz
DIFFID=sha256:$(sha256sum layer.tar | cut -d' ' -f1); LDIG=$(sha256sum layer.tar.gz | cut -d' ' -f1); LSIZE=$(stat -c%s layer.tar.gz)
cp layer.tar.gz src/blobs/sha256/$LDIG; printf 'sha256:%s' $LDIG > layer.digest
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/cat","/hello.txt"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' $DIFFID > config.json
CDIG=$(sha256sum config.json | cut -d' ' -f1); CSIZE=$(stat -c%s config.json); cp config.json src/blobs/sha256/$CDIG
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' $CDIG $CSIZE $LDIG $LSIZE > manifest.json
MDIG=$(sha256sum manifest.json | cut -d' ' -f1); MSIZE=$(stat -c%s manifest.json); cp manifest.json src/blobs/sha256/$MDIG
printf '{"imageLayoutVersion":"1.0.0"}' > src/oci-layout
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' $MDIG $MSIZE > src/index.json)");
    layer_digest_ = harness::ReadFile(dir_.File("layer.digest"));
  }

  void MakeKeys() {
    Sh(R"(openssl genrsa -out rsa-priv.pem 2048 2>/dev/null
openssl rsa -in rsa-priv.pem -pubout -out rsa-pub.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out ec.sec1.pem
openssl pkcs8 -topk8 -nocrypt -in ec.sec1.pem -out ec-priv.pem
openssl ec -in ec-priv.pem -pubout -out ec-pub.pem 2>/dev/null)");
  }

  // Pushes the plain layout to docker://host/<repo_tag> with skopeo.
  void PushPlain(const std::string& repo_tag) {
    auto r = Skopeo(
        {"copy", "--dest-tls-verify=false", "oci:" + dir_.File("src") + ":v1", Docker(repo_tag)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string Docker(const std::string& repo_tag) const {
    return "docker://" + host_ + "/" + repo_tag;
  }
  std::string Src() const { return "oci:" + dir_.File("src") + ":v1"; }

  // skopeo decrypts `from` with `priv` into an OCI layout; returns its layer digests.
  std::string SkopeoDecryptLayer(const std::string& from, const std::string& priv,
                                 const std::string& out) {
    auto r = Skopeo({"copy", "--src-tls-verify=false", "--decryption-key", dir_.File(priv), from,
                     "oci:" + dir_.File(out) + ":1"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Json layers = LayoutLayers("oci:" + dir_.File(out) + ":1");
    return layers.is_array() && layers.size() == 1 ? layers[0].value("digest", "") : "";
  }

  TempDir dir_;
  std::string host_;
  std::string layer_digest_;
  std::unique_ptr<image::Registry> registry_;
};

}  // namespace cocoon::image_cli
