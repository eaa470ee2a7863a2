// Interop: the same two-layer OCI layout (GNU tar + gzip, a whiteout in layer 2) unpacked by
// `umoci unpack` and by cocoon (file → gunzip → pipe → UnpackLayer in a StagedRootfs, then
// RuntimeConfigFromImageConfig). Rootfs trees and process args/env/cwd/user must match.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "base/file.h"
#include "base/json.h"
#include "harness.h"
#include "image/bundle.h"
#include "image/layer/decompress.h"
#include "image/layer/pipe.h"
#include "image/layer/unpack.h"

namespace cocoon {
namespace {

namespace fs = std::filesystem;

constexpr const char* kMakeLayout = R"SH(
set -euo pipefail
cd "$1"
mkdir -p l1/etc l1/bin l1/data l1/var/www l2/data
printf 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:44:www:/var/www:/bin/sh\n' > l1/etc/passwd
printf 'root:x:0:\nwww:x:44:\nextra:x:99:www\n' > l1/etc/group
echo busybox > l1/bin/busybox; chmod 4755 l1/bin/busybox
ln -s busybox l1/bin/sh; ln l1/bin/busybox l1/bin/ls; ln -s /etc/passwd l1/abs
echo old > l1/data/old; echo keep > l1/data/keep; mkdir -m 1777 l1/tmp; chmod 0700 l1/var/www
echo new > l2/data/new; touch l2/data/.wh.old
mkdir -p src/blobs/sha256
LAYERS=""; DIFFS=""
for l in l1 l2; do
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00:00' -C $l -cf $l.tar .
  gzip -n -c $l.tar > $l.tar.gz
  D=$(sha256sum $l.tar.gz | cut -d' ' -f1); cp $l.tar.gz src/blobs/sha256/$D
  LAYERS="$LAYERS${LAYERS:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$D\",\"size\":$(stat -c%s $l.tar.gz)}"
  DIFFS="$DIFFS${DIFFS:+,}\"sha256:$(sha256sum $l.tar | cut -d' ' -f1)\""
done
printf '{"architecture":"amd64","os":"linux","config":{"User":"www","Env":["FOO=bar"],"Entrypoint":["/bin/sh","-c"],"Cmd":["echo hi"],"WorkingDir":"/srv"},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$DIFFS" > config.json
C=$(sha256sum config.json | cut -d' ' -f1); cp config.json src/blobs/sha256/$C
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[%s]}' $C $(stat -c%s config.json) "$LAYERS" > manifest.json
M=$(sha256sum manifest.json | cut -d' ' -f1); cp manifest.json src/blobs/sha256/$M
printf '{"imageLayoutVersion":"1.0.0"}' > src/oci-layout
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' $M $(stat -c%s manifest.json) > src/index.json
)SH";

// Unpacks one gzip layer file: a producer thread gunzips into a pipe, the stage reads it.
Status ApplyGzipLayer(image::StagedRootfs& stage, const std::string& path) {
  ASSIGN_OR_RETURN(std::string blob, base::ReadFile(path, "layer", size_t{1} << 30));
  image::Pipe pipe(64 * 1024);
  std::thread producer([&] {
    image::DecompressingSink gunzip(image::Compression::kGzip, &pipe.writer());
    Status st = gunzip.Write(AsBytes(blob));
    if (st) st = gunzip.Finish();
    if (!st) pipe.Abort(st.error());
  });
  auto stats = stage.ApplyLayer(pipe.reader());
  if (!stats) pipe.Abort(stats.error());
  producer.join();
  if (!stats) return std::unexpected(stats.error());
  return Ok();
}

// path → "type mode nlink content-or-target" for every entry below root.
std::map<std::string, std::string> Tree(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::end(it); ++it) {
    struct stat st;
    lstat(it->path().c_str(), &st);
    std::string desc = std::to_string(st.st_mode) + " ";
    if (S_ISREG(st.st_mode))
      desc += std::to_string(st.st_nlink) + " " + harness::ReadFile(it->path());
    if (S_ISLNK(st.st_mode)) desc += fs::read_symlink(it->path()).string();
    out[it->path().lexically_relative(root).string()] = desc;
  }
  return out;
}

TEST(ImageUmociInterop, RootfsAndProcessMatchUmoci) {
  harness::TempDir tmp;
  std::string w = tmp.path().string();
  auto made = harness::Run({"/bin/bash", "-c", kMakeLayout, "mklayout", w});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::vector<std::string> umoci = {"/usr/bin/umoci", "unpack", "--image", w + "/src:v1",
                                    w + "/umoci"};
  if (geteuid() != 0) umoci.insert(umoci.begin() + 2, "--rootless");
  auto un = harness::Run(umoci);
  ASSERT_EQ(un.exit_code, 0) << "umoci: " << un.err;

  auto stage = image::StagedRootfs::Create(w + "/cocoon");
  ASSERT_TRUE(stage.has_value()) << stage.error().ToString();
  for (const char* layer : {"/l1.tar.gz", "/l2.tar.gz"}) {
    auto st = ApplyGzipLayer(*stage, w + layer);
    ASSERT_TRUE(st.has_value()) << layer << ": " << st.error().ToString();
  }
  auto image_config = base::ParseJson(harness::ReadFile(w + "/config.json"));
  ASSERT_TRUE(image_config.has_value());
  image::BundleOptions opts;
  opts.rootfs_dirfd = stage->rootfs_fd();
  auto spec = image::RuntimeConfigFromImageConfig(*image_config, opts);
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  ASSERT_TRUE(image::WriteBundle(stage->staging_dir(), *spec).has_value());
  ASSERT_TRUE(stage->Commit().has_value());

  auto tree = Tree(w + "/cocoon/rootfs");
  EXPECT_EQ(tree.size(), 14u);
  EXPECT_EQ(tree, Tree(w + "/umoci/rootfs"));
  EXPECT_FALSE(fs::exists(w + "/cocoon/rootfs/data/old"));
  auto ours = base::ParseJson(harness::ReadFile(w + "/cocoon/config.json"));
  auto theirs = base::ParseJson(harness::ReadFile(w + "/umoci/config.json"));
  ASSERT_TRUE(ours.has_value() && theirs.has_value());
  for (const char* key : {"args", "env", "cwd"}) {
    EXPECT_EQ((*ours)["process"][key], (*theirs)["process"][key]) << key;
  }
  Json& user = (*ours)["process"]["user"];
  if (geteuid() != 0) user.erase("additionalGids");  // umoci --rootless drops them
  EXPECT_EQ(user, (*theirs)["process"]["user"]);
}

}  // namespace
}  // namespace cocoon
