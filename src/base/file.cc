// Whole-file reads.
#include "base/file.h"

#include <filesystem>
#include <fstream>

namespace cocoon::base {

Result<std::string> ReadFile(const std::string& path, std::string_view what, size_t max_bytes) {
  std::string name = std::string(what) + " " + path;
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return NotFound(name + " not found");
  if (!std::filesystem::is_regular_file(status)) {
    return InvalidArgument(name + " is not a regular file");
  }
  // The size is counted while reading, not taken from stat: sysfs files claim 4096 bytes and
  // /proc files 0.
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) return PermissionDenied(name + " cannot be read");
  std::string text;
  char buf[16384];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      return ResourceExhausted(name + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  if (in.bad()) return PermissionDenied(name + " cannot be read");
  return text;
}

}  // namespace cocoon::base
