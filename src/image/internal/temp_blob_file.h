// Private to the image module: an anonymous temp file that holds one transformed blob (written,
// then read back). It does not interpret the bytes that pass through.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "image/stream.h"

namespace cocoon::image::internal {

// An unlinked temporary file in `dir`: written as a Sink, then read back from the start as a
// Source (Rewind). Removed by the kernel when closed, even if the process dies.
class TempBlobFile final : public Sink, public Source {
 public:
  static Result<std::unique_ptr<TempBlobFile>> Create(const std::string& dir);
  ~TempBlobFile() override;
  TempBlobFile(const TempBlobFile&) = delete;
  TempBlobFile& operator=(const TempBlobFile&) = delete;
  Status Write(std::span<const uint8_t> data) override;
  Status Finish() override { return Ok(); }
  Status Rewind();
  Result<size_t> Read(std::span<uint8_t> buffer) override;

 private:
  TempBlobFile(int fd, std::string dir) : fd_(fd), dir_(std::move(dir)) {}
  int fd_;
  std::string dir_;
};

}  // namespace cocoon::image::internal
