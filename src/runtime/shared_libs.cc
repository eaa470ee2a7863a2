// ldd output parsing ("name => /path (0x…)", "/lib64/ld-linux… (0x…)") and dpkg-query lookups.
#include "runtime/shared_libs.h"

#include <algorithm>
#include <filesystem>

#include "base/subprocess.h"

namespace cocoon::runtime {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// One ldd line -> the library path ("" for the vDSO). NotFound for "=> not found".
Result<std::string> LibraryOfLine(std::string_view line, const std::string& binary) {
  line = Trim(line);
  if (line.empty()) return std::string();
  size_t arrow = line.find(" => ");
  std::string_view target = arrow == std::string_view::npos ? line : line.substr(arrow + 4);
  if (target.starts_with("not found")) {
    return NotFound(binary + ": library " + std::string(line.substr(0, arrow)) + " not found");
  }
  size_t paren = target.find(" (");
  if (paren != std::string_view::npos) target = target.substr(0, paren);
  if (!target.starts_with('/')) return std::string();  // linux-vdso.so.1
  return std::string(target);
}

}  // namespace

Result<std::vector<std::string>> SharedLibraries(const std::string& binary) {
  ASSIGN_OR_RETURN(base::CommandOutput r, base::RunCommand({"ldd", binary}));
  std::string all = r.out + r.err;
  if (all.find("not a dynamic executable") != std::string::npos ||
      all.find("statically linked") != std::string::npos) {
    return std::vector<std::string>{};
  }
  if (r.exit_code != 0) {
    return FailedPrecondition("ldd " + binary + " failed: " + std::string(Trim(r.err)));
  }
  std::vector<std::string> libs;
  std::string_view out = r.out;
  for (size_t pos = 0; pos < out.size();) {
    size_t end = out.find('\n', pos);
    if (end == std::string_view::npos) end = out.size();
    ASSIGN_OR_RETURN(std::string lib, LibraryOfLine(out.substr(pos, end - pos), binary));
    if (!lib.empty()) libs.push_back(std::move(lib));
    pos = end + 1;
  }
  std::sort(libs.begin(), libs.end());
  libs.erase(std::unique(libs.begin(), libs.end()), libs.end());
  return libs;
}

Result<HostPackage> OwningPackage(const std::string& path) {
  std::error_code ec;
  std::vector<std::string> candidates = {path, "/usr" + path};
  std::filesystem::path real = std::filesystem::canonical(path, ec);
  if (!ec) candidates.push_back(real.string());
  for (const std::string& p : candidates) {
    ASSIGN_OR_RETURN(base::CommandOutput s, base::RunCommand({"dpkg-query", "-S", p}));
    if (s.exit_code != 0) continue;
    // "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6" (a diversion line starts with "diversion").
    std::string_view line = s.out;
    line = line.substr(0, line.find('\n'));
    size_t colon = line.find(": ");
    if (colon == std::string_view::npos || line.starts_with("diversion")) continue;
    HostPackage pkg{std::string(line.substr(0, colon)), ""};
    ASSIGN_OR_RETURN(base::CommandOutput v,
                     base::RunCommand({"dpkg-query", "-W", "-f=${Version}", pkg.package}));
    if (v.exit_code != 0 || v.out.empty()) continue;
    pkg.version = std::string(Trim(v.out));
    return pkg;
  }
  return NotFound("no installed package owns " + path);
}

}  // namespace cocoon::runtime
