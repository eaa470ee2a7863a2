#include "tests/busybox_image.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/json.h"
#include "image/digest.h"

namespace cocoon {
namespace {

namespace fs = std::filesystem;

std::string PutBlob(const std::string& layout, const std::string& data) {
  image::Digest d = image::Digest::Of(AsBytes(data));
  std::ofstream(layout + "/blobs/sha256/" + d.hex, std::ios::binary) << data;
  return d.String();
}

}  // namespace

// oci:<dir>:latest with one uncompressed layer: /bin/busybox and /bin/sh -> busybox.
std::string BuildBusyboxLayout(const harness::TempDir& dir) {
  std::string rootfs = dir.File("rootfs");
  fs::create_directories(rootfs + "/bin");
  EXPECT_TRUE(fs::exists("/bin/busybox")) << "busybox-static is not installed";
  fs::copy_file("/bin/busybox", rootfs + "/bin/busybox");
  fs::create_symlink("busybox", rootfs + "/bin/sh");
  EXPECT_TRUE(fs::exists("/usr/bin/tar")) << "tar is not installed";
  auto tar = harness::Run({"/usr/bin/tar", "--owner=0", "--group=0", "-C", rootfs, "-cf",
                           dir.File("layer.tar"), "bin"});
  EXPECT_EQ(tar.exit_code, 0) << tar.err;
  std::string layout = dir.File("layout");
  fs::create_directories(layout + "/blobs/sha256");
  std::string layer = harness::ReadFile(dir.File("layer.tar"));
  std::string layer_digest = PutBlob(layout, layer);
  Json config = {{"architecture", "amd64"},
                 {"os", "linux"},
                 {"config", {{"Cmd", {"/bin/sh"}}, {"Env", {"PATH=/bin"}}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", {layer_digest}}}}};
  std::string config_text = config.dump();
  Json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config",
                    {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                     {"digest", PutBlob(layout, config_text)},
                     {"size", config_text.size()}}},
                   {"layers",
                    {{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                      {"digest", layer_digest},
                      {"size", layer.size()}}}}};
  std::string manifest_text = manifest.dump();
  Json index = {{"schemaVersion", 2},
                {"manifests",
                 {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"digest", PutBlob(layout, manifest_text)},
                   {"size", manifest_text.size()},
                   {"annotations", {{"org.opencontainers.image.ref.name", "latest"}}}}}}};
  std::ofstream(layout + "/index.json") << index.dump();
  std::ofstream(layout + "/oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
  return "oci:" + layout + ":latest";
}

}  // namespace cocoon
