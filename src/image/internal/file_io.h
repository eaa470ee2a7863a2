// Private to the image module: files as Sources, and atomic writes (temp + fsync + rename).
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "image/manifest.h"
#include "image/stream.h"

namespace cocoon::image::internal {

// Reads a file with plain POSIX reads; closes it on destruction.
class FileSource final : public Source {
 public:
  static Result<FileSource> Open(const std::string& path);  // NotFound if absent
  FileSource(FileSource&& other) noexcept;
  FileSource& operator=(FileSource&&) = delete;
  ~FileSource() override;
  Result<size_t> Read(std::span<uint8_t> buffer) override;
  // Reads to the end, writing every chunk into `sink` (does not Finish it).
  Status CopyTo(Sink& sink);

 private:
  FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// Writes `bytes` to `path` via a temp file in the same directory, fsync and rename.
Status WriteFileAtomic(const std::string& path, ByteSpan bytes);
// The same for a stream: exactly d.size bytes from `source` that must hash to d.digest
// (DataLoss otherwise, and `path` is left untouched).
Status WriteStreamAtomic(const std::string& path, Source& source, const Descriptor& d);

}  // namespace cocoon::image::internal
