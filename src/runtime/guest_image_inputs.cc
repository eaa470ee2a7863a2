// Where the guest image's inputs come from: SOURCE_DATE_EPOCH and the Debian package cache that
// scripts/setup fills (see guest_image.h).
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>

#include "runtime/guest_image.h"

namespace cocoon::runtime {
namespace {

namespace fs = std::filesystem;

// The single package in `names` starting with `prefix`; "" when none.
Result<std::string> PickOne(const std::vector<std::string>& names, std::string_view prefix,
                            const std::string& dir) {
  std::vector<std::string> hits;
  for (const std::string& n : names) {
    if (n.starts_with(prefix) && n.ends_with(".deb") && n.find("-dbg") == std::string::npos) {
      hits.push_back(n);
    }
  }
  if (hits.size() > 1) {
    std::string all;
    for (const std::string& h : hits) all += " " + h;
    return FailedPrecondition(dir + " holds several " + std::string(prefix) + "* packages:" + all);
  }
  return hits.empty() ? std::string() : dir + "/" + hits.front();
}

}  // namespace

uint32_t SourceDateEpoch() {
  const char* v = std::getenv("SOURCE_DATE_EPOCH");
  if (v == nullptr) return 0;
  uint32_t out = 0;
  std::string_view s(v);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() ? out : 0;
}

std::string DefaultDebCacheDir() {
  if (const char* v = std::getenv("COCOON_DEB_CACHE"); v != nullptr && *v != '\0') return v;
  if (geteuid() == 0) return "/var/cache/cocoon/debs";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/tmp") + "/.cache/cocoon/debs";
}

Status UseDebDir(const std::string& dir, GuestImageSpec& spec) {
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename());
  if (ec) return NotFound("package directory " + dir + ": " + ec.message());
  std::sort(names.begin(), names.end());
  ASSIGN_OR_RETURN(std::string kernel, PickOne(names, "linux-image-", dir));
  if (kernel.empty()) {
    return NotFound("no linux-image-*.deb in " + dir + " (run scripts/setup)");
  }
  spec.kernel_deb = kernel;
  spec.kernel.clear();
  ASSIGN_OR_RETURN(std::string busybox, PickOne(names, "busybox-static_", dir));
  if (!busybox.empty()) spec.busybox_deb = busybox;
  ASSIGN_OR_RETURN(std::string crun, PickOne(names, "crun_", dir));
  if (!crun.empty()) spec.crun_deb = crun;
  return Ok();
}

}  // namespace cocoon::runtime
