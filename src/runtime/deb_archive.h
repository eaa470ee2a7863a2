// Reading Debian binary packages (.deb: an ar archive holding control.tar.* and data.tar.*)
// with libarchive, without unpacking them to disk. Packages come from the Debian archive through
// apt; sizes are still bounded and malformed packages are errors, never crashes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace cocoon::runtime {

struct DebControl {
  std::string package;
  std::string version;
  std::string architecture;
};

// Package, Version and Architecture from the package's control file. Errors: NotFound for a
// missing file; DataLoss for a file that is not a .deb or lacks one of the three fields.
Result<DebControl> ReadDebControl(const std::string& deb_path);

enum class DebEntryType { kDirectory, kFile, kSymlink, kOther };

struct DebEntry {
  std::string path;  // without the leading "./" ("boot/vmlinuz-6.1.0-56-amd64")
  DebEntryType type = DebEntryType::kOther;
  uint32_t mode = 0;        // permission bits
  std::string link_target;  // symlinks
  std::string data;         // regular files, only when `want` returned true
};

// Calls `visit` for every entry of data.tar.* in archive order. File content is read only for
// paths where `want(path)` is true (content of other files is skipped without copying); a file
// larger than `max_file_bytes` is ResourceExhausted. Errors from `visit` stop the walk and are
// returned; DataLoss for a corrupt package.
Status ForEachDebEntry(const std::string& deb_path,
                       const std::function<bool(std::string_view path)>& want,
                       const std::function<Status(DebEntry&)>& visit,
                       size_t max_file_bytes = size_t{256} << 20);

// Parses "Field: value" lines of a control file (continuation lines ignored); empty if absent.
std::string ControlField(std::string_view control, std::string_view field);

}  // namespace cocoon::runtime
