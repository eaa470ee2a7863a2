// Private to the image module: files as Sources, and atomic writes (temp + fsync + rename).
// Paths are the caller's; file contents are not interpreted here.
#pragma once

#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
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

 private:
  FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// A Sink into a temp file beside `path` ("<path>.tmp-XXXXXX", mode 0644). Finish fsyncs it and
// renames it to `path`; destroyed unfinished (or after an error) the temp file is removed, so
// `path` holds either its old content or all of the new. It does not check what it stores:
// whoever feeds it finishes it only once the content checked out (ImageSource::FetchBlob
// finishes its sink only after the digest matched).
class AtomicFileSink final : public Sink {
 public:
  static Result<std::unique_ptr<AtomicFileSink>> Create(const std::string& path);
  AtomicFileSink(const AtomicFileSink&) = delete;
  AtomicFileSink& operator=(const AtomicFileSink&) = delete;
  ~AtomicFileSink() override;
  Status Write(std::span<const uint8_t> data) override;
  Status Finish() override;

 private:
  AtomicFileSink(int fd, std::string path, std::string tmp)
      : fd_(fd), path_(std::move(path)), tmp_(std::move(tmp)) {}
  int fd_;
  std::string path_;
  std::string tmp_;
  bool committed_ = false;
};

// Reads `from` to its end, writing every chunk into `to` (does not Finish it).
Status CopySource(Source& from, Sink& to);

// Writes `bytes` to `path` via a temp file in the same directory, fsync and rename.
Status WriteFileAtomic(const std::string& path, ByteSpan bytes);

}  // namespace cocoon::image::internal
