// Fuzz target: image references, manifest/index/config parsing, platform selection,
// WWW-Authenticate challenges and auth.json lookup (all parsers of registry-controlled bytes).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "image/manifest.h"
#include "image/reference.h"
#include "image/registry/auth.h"

using namespace cocoon;         // NOLINT
using namespace cocoon::image;  // NOLINT

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan bytes(data, size);
  std::string_view text = AsString(bytes);
  if (auto ref = ParseReference(text)) {
    (void)ref->String();
    (void)ParseReference(ref->String());
    (void)CredentialsFromAuthJson(R"({"auths":{"docker.io":{"auth":"YTpi"}}})", *ref);
  }
  (void)ParseWwwAuthenticate(text);
  (void)ParsePlatform(text);
  (void)DetectManifestType(bytes);
  if (auto m = ParseManifest(bytes)) {
    (void)ParseManifest(AsBytes(SerializeManifest(*m)));
    for (const Descriptor& l : m->layers) (void)ClassifyLayer(l.media_type);
  }
  if (auto index = ParseIndex(bytes)) {
    (void)SelectPlatform(*index, HostPlatform());
    (void)ParseIndex(AsBytes(SerializeIndex(*index)));
  }
  (void)ParseImageConfig(bytes);
  if (auto ref = ParseReference("docker.io/library/busybox")) {
    (void)CredentialsFromAuthJson(text, *ref);
  }
  return 0;
}
