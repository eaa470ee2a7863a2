// Probes for the doctor (doctor_probe.h). Reads the local filesystem and runs local tools.
#include "runtime/internal/doctor_probe.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/subprocess.h"

namespace cocoon::runtime::internal {

namespace fs = std::filesystem;

std::string Under(const std::string& root, std::string_view path) {
  if (root.empty() || root == "/") return std::string(path);
  return root + std::string(path);
}

std::string FindProgram(const std::string& root, const std::vector<std::string>& dirs,
                        std::string_view name) {
  for (const std::string& dir : dirs) {
    if (dir.empty() || dir[0] != '/') continue;  // a relative PATH entry depends on the cwd
    std::string candidate = Under(root, dir) + "/" + std::string(name);
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

std::string ToolVersionLine(const std::string& program) {
  auto r = base::RunCommand({program, "--version"}, {.max_bytes = size_t{1} << 16});
  if (!r || r->exit_code != 0) return "";
  std::string_view out = r->out.empty() ? r->err : r->out;
  return std::string(out.substr(0, out.find('\n')));
}

Version ParseVersionAfter(std::string_view line, std::string_view marker) {
  Version v;
  auto at = line.find(marker);
  if (at == std::string_view::npos) return v;
  std::string rest(line.substr(at + marker.size()));
  int ma = 0, mi = 0, pa = 0;
  int n = std::sscanf(rest.c_str(), "%d.%d.%d", &ma, &mi, &pa);
  if (n >= 2 && ma >= 0 && mi >= 0) v = {ma, mi, n == 3 && pa >= 0 ? pa : 0};
  return v;
}

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return "";
  auto b = line.find_first_not_of(" \t\r");
  auto e = line.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : line.substr(b, e - b + 1);
}

bool SysfsOn(const std::string& value) { return value == "Y" || value == "y" || value == "1"; }

uint64_t FreeBytes(const std::string& path, std::string* where) {
  fs::path p = path.empty() ? fs::path("/") : fs::path(path);
  std::error_code ec;
  while (!fs::exists(p, ec) && p.has_parent_path() && p != p.parent_path()) p = p.parent_path();
  *where = p.string();
  struct statvfs st {};
  if (statvfs(p.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

std::string HumanBytes(uint64_t bytes) {
  char buf[32];
  if (bytes >= (uint64_t{1} << 30)) {
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1 << 30));
  } else {
    std::snprintf(buf, sizeof buf, "%llu MiB", static_cast<unsigned long long>(bytes >> 20));
  }
  return buf;
}

}  // namespace cocoon::runtime::internal
