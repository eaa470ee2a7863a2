// Platform names (GOOS/GOARCH/variant) and selection of an index entry. Index entries come from
// registries: untrusted, but only compared here.
#include <sys/utsname.h>

#include "image/manifest.h"

namespace cocoon::image {
namespace {

std::string NormalizeArch(std::string_view arch) {
  if (arch == "x86_64" || arch == "x86-64") return "amd64";
  if (arch == "aarch64") return "arm64";
  if (arch == "i386" || arch == "i686") return "386";
  if (arch.starts_with("armv7") || arch.starts_with("armv6")) return "arm";
  return std::string(arch);
}

// Default variants as containerd normalises them: arm64 → v8, arm → v7.
std::string NormalizeVariant(std::string_view arch, std::string_view variant) {
  if (arch == "arm64" && (variant.empty() || variant == "8")) return "v8";
  if (arch == "arm" && variant.empty()) return "v7";
  if (arch == "arm" && variant.size() == 1) return "v" + std::string(variant);
  return std::string(variant);
}

}  // namespace

std::string Platform::String() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty()) s += "/" + variant;
  return s;
}

Platform HostPlatform() {
  Platform p;
  p.os = "linux";
  p.architecture = "amd64";
  struct utsname u {};
  if (uname(&u) == 0) p.architecture = NormalizeArch(u.machine);
  if (p.architecture == "arm" && std::string_view(u.machine).starts_with("armv6")) p.variant = "v6";
  return p;
}

Result<Platform> ParsePlatform(std::string_view text) {
  Platform p;
  size_t a = text.find('/');
  if (a == std::string_view::npos || a == 0 || a + 1 == text.size()) {
    return InvalidArgument("platform '" + std::string(text) + "': want OS/ARCH[/VARIANT]");
  }
  p.os = text.substr(0, a);
  std::string_view rest = text.substr(a + 1);
  size_t b = rest.find('/');
  p.architecture = NormalizeArch(rest.substr(0, b));
  if (b != std::string_view::npos) {
    p.variant = rest.substr(b + 1);
    if (p.variant.empty() || p.variant.find('/') != std::string::npos) {
      return InvalidArgument("platform '" + std::string(text) + "': bad variant");
    }
  }
  if (p.architecture.empty()) {
    return InvalidArgument("platform '" + std::string(text) + "': empty architecture");
  }
  return p;
}

Result<Descriptor> SelectPlatform(const Index& index, const Platform& want) {
  std::string arch = NormalizeArch(want.architecture);
  std::string want_variant =
      want.variant.empty() ? std::string() : NormalizeVariant(arch, want.variant);
  std::string available;
  for (const Descriptor& d : index.manifests) {
    if (!d.platform) continue;  // attestation manifests and other non-image entries
    const Platform& p = *d.platform;
    if (!available.empty()) available += ", ";
    available += p.String();
    if (p.os != want.os || NormalizeArch(p.architecture) != arch) continue;
    if (!want_variant.empty() && NormalizeVariant(arch, p.variant) != want_variant) continue;
    if (!IsManifestMediaType(d.media_type) && !IsIndexMediaType(d.media_type)) continue;
    return d;
  }
  return NotFound("no manifest for platform " + want.String() +
                  " in the index (available: " + (available.empty() ? "none" : available) + ")");
}

}  // namespace cocoon::image
