// Deterministic newc ("070701") cpio archives for initramfs images. Entries come from our own
// build (Debian packages, the agent); paths are still checked so a bad name cannot escape "/".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/error.h"

namespace cocoon::runtime {

enum class CpioType { kDirectory, kFile, kSymlink };

struct CpioEntry {
  CpioType type = CpioType::kFile;
  uint32_t mode = 0644;  // permission bits only (07777)
  std::string data;      // file content, or the symlink target
};

// Collects entries and writes them as one archive with nothing taken from the build host:
// entries sorted by path (a parent always sorts before its children), inode numbers 1, 2, …
// in that order, uid/gid 0, dev 0, one mtime for all, then the "TRAILER!!!" entry.
class CpioBuilder {
 public:
  // Paths are relative ("bin/sh"; a leading "/" is dropped) without "", "." or ".." components.
  // Missing parent directories are added with mode 0755. Errors: InvalidArgument for a bad path
  // or mode; FailedPrecondition when the path exists with a different type or content, or a
  // parent is not a directory.
  Status AddDirectory(std::string_view path, uint32_t mode = 0755);
  Status AddFile(std::string_view path, std::string data, uint32_t mode = 0644);
  Status AddSymlink(std::string_view path, std::string_view target);

  const CpioEntry* Find(std::string_view path) const;
  size_t size() const { return entries_.size(); }

  // The archive bytes.
  std::string Serialize(uint32_t mtime) const;

 private:
  Status Add(std::string_view path, CpioEntry entry);
  Status AddParents(const std::string& path);

  std::map<std::string, CpioEntry, std::less<>> entries_;
};

// Deflates `data` into a gzip member with a fixed header: no name, no comment, mtime 0,
// OS 3 (Unix), as `gzip -n` writes. The same bytes and level give the same output with the same
// zlib. Errors: Internal on a zlib failure.
Result<std::string> GzipDeterministic(std::string_view data, int level = 9);

}  // namespace cocoon::runtime
