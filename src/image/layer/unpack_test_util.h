// Test support for unpack tests: builds tar archives in memory with libarchive's writer
// (pax, ustar or GNU format), and a Source over a string that hands out small reads.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "image/stream.h"

namespace cocoon::image::testing {

struct TarItem {
  enum Kind { kFile, kDir, kSymlink, kHardlink, kCharDev, kFifo } kind = kFile;
  std::string name;
  std::string data;  // file content, or symlink / hard link target
  mode_t mode = 0644;
  uint32_t uid = 0;
  uint32_t gid = 0;
  time_t mtime = 1700000000;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

inline TarItem Item(TarItem::Kind kind, std::string name, std::string data, mode_t mode) {
  TarItem it;
  it.kind = kind;
  it.name = std::move(name);
  it.data = std::move(data);
  it.mode = mode;
  return it;
}
inline TarItem File(std::string name, std::string data, mode_t mode = 0644) {
  return Item(TarItem::kFile, std::move(name), std::move(data), mode);
}
inline TarItem Dir(std::string name, mode_t mode = 0755) {
  return Item(TarItem::kDir, std::move(name), "", mode);
}
inline TarItem Symlink(std::string name, std::string target) {
  return Item(TarItem::kSymlink, std::move(name), std::move(target), 0777);
}
inline TarItem Hardlink(std::string name, std::string target) {
  return Item(TarItem::kHardlink, std::move(name), std::move(target), 0644);
}

enum class TarFormat { kPax, kUstar, kGnu };

// The archive bytes (with libarchive's end-of-archive blocks and record padding).
std::string BuildTar(const std::vector<TarItem>& items, TarFormat format = TarFormat::kPax);

// Reads `data` in chunks of at most `chunk` bytes; `fail_at` >= 0 makes the read that would pass
// that offset fail with Unavailable.
class StringSource final : public Source {
 public:
  explicit StringSource(std::string data, size_t chunk = 1000, long fail_at = -1)
      : data_(std::move(data)), chunk_(chunk), fail_at_(fail_at) {}
  Result<size_t> Read(std::span<uint8_t> buffer) override;
  size_t position() const { return pos_; }

 private:
  std::string data_;
  size_t chunk_;
  long fail_at_;
  size_t pos_ = 0;
};

}  // namespace cocoon::image::testing
