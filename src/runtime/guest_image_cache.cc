// The default guest image of `cocoon run`: found, or built once per agent binary (guest_image.h).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "base/encoding.h"
#include "base/file.h"
#include "base/subprocess.h"
#include "crypto/digest.h"
#include "runtime/guest_image.h"

namespace cocoon::runtime {
namespace fs = std::filesystem;

namespace {
constexpr std::string_view kGuestRecipe = "debs+busybox+crun+agent(stripped)+tcti-device";
}  // namespace

std::string DefaultGuestCacheDir() {
  if (const char* c = std::getenv("COCOON_CACHE"); c != nullptr && *c != '\0') {
    return std::string(c) + "/guest";
  }
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') {
    return std::string(x) + "/cocoon/guest";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/root") + "/.cache/cocoon/guest";
}

Result<GuestBootFiles> FindGuestImage(const std::string& dir) {
  GuestBootFiles f;
  f.dir = dir;
  f.initrd = dir + "/initramfs.cpio.gz";
  std::error_code ec;
  f.kernel = fs::is_regular_file(dir + "/vmlinux", ec) ? dir + "/vmlinux" : dir + "/vmlinuz";
  for (const std::string& p : {dir + "/manifest.json", f.initrd, f.kernel}) {
    if (!fs::is_regular_file(p, ec)) {
      return NotFound("guest image " + dir + ": " + p + " missing (cocoon guest build --output " +
                      dir + ")");
    }
  }
  return f;
}

Result<std::string> GuestImageDir(const std::string& agent, const std::string& cache_root) {
  ASSIGN_OR_RETURN(std::string bytes, base::ReadFile(agent, "cocoon-agent", size_t{1} << 30));
  // The recipe names what else goes in beside the agent; a change to it makes a new image.
  bytes += "\n" + std::string(kGuestRecipe);
  return cache_root + "/" + base::HexEncode(crypto::Sha256(AsBytes(bytes))).substr(0, 16);
}

Result<GuestBootFiles> EnsureGuestImage(const std::string& agent, const std::string& cache_root) {
  ASSIGN_OR_RETURN(std::string dir, GuestImageDir(agent, cache_root));
  if (auto found = FindGuestImage(dir)) return found;

  GuestImageSpec spec;
  if (auto st = UseDebDir(DefaultDebCacheDir(), spec); !st) {
    return std::unexpected(st.error().WithContext("guest image packages (run scripts/setup)"));
  }
  std::error_code ec;
  fs::create_directories(cache_root, ec);
  if (ec) return Internal("cannot create " + cache_root + ": " + ec.message());
  // Build beside the final directory and rename it in: a concurrent or interrupted build never
  // leaves a half-written image where FindGuestImage looks.
  std::string tmp = dir + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  std::string stripped = tmp + "/cocoon-agent.stripped";
  auto strip = base::RunCommand({"strip", "-o", stripped, agent});
  if (!strip || strip->exit_code != 0) {
    fs::copy_file(agent, stripped, fs::copy_options::overwrite_existing, ec);  // no binutils
    if (ec) return Internal("cannot copy " + agent + ": " + ec.message());
  }
  spec.agent = stripped;
  // tpm2-tss loads its transport at run time (dlopen), so ldd of the agent does not list it:
  // the device TCTI goes in by name (its own dependencies are the agent's).
  for (const char* tcti : {"/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0"}) {
    if (fs::exists(tcti, ec)) {
      spec.extra_files.push_back({fs::canonical(tcti, ec).string(), tcti, 0644});
    }
  }
  spec.mtime = SourceDateEpoch();
  auto img = BuildGuestImage(spec, tmp + "/image");
  if (!img) {
    fs::remove_all(tmp, ec);
    return std::unexpected(img.error().WithContext("building the guest image"));
  }
  fs::rename(tmp + "/image", dir, ec);
  fs::remove_all(tmp, ec);
  if (ec && !fs::exists(dir + "/manifest.json")) {
    return Internal("cannot move the guest image to " + dir + ": " + ec.message());
  }
  ASSIGN_OR_RETURN(GuestBootFiles f, FindGuestImage(dir));
  f.built = true;
  return f;
}

}  // namespace cocoon::runtime
