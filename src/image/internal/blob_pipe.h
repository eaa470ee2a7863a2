// Private to the image module: a bounded in-memory pipe between a blob producer (a FetchBlob on
// one thread) and a consumer (PutBlob, encryption) on another, and an anonymous temp file that
// holds one transformed blob. Neither interprets the bytes that pass through.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "image/stream.h"

namespace cocoon::image::internal {

// Memory stays at `capacity` bytes whatever the blob size. The writer side is a Sink (Finish =
// end of stream); the reader side is a Source. Either side may give up: CloseWrite(error) makes
// reads fail with that error, CloseRead() makes further writes fail with Cancelled-like
// FailedPrecondition so a producer never blocks on a consumer that stopped reading.
class BlobPipe {
 public:
  explicit BlobPipe(size_t capacity = 1 << 20);
  Sink& sink() { return sink_; }
  Source& source() { return source_; }
  // Ends the stream from the writer side: `st` Ok = EOF (if Finish was not called), else error.
  void CloseWrite(const Status& st);
  void CloseRead();

 private:
  struct WriteEnd final : Sink {
    BlobPipe* p;
    Status Write(std::span<const uint8_t> data) override { return p->Write(data); }
    Status Finish() override {
      p->CloseWrite(Ok());
      return Ok();
    }
  };
  struct ReadEnd final : Source {
    BlobPipe* p;
    Result<size_t> Read(std::span<uint8_t> buffer) override { return p->Read(buffer); }
  };
  Status Write(std::span<const uint8_t> data);
  Result<size_t> Read(std::span<uint8_t> buffer);

  std::mutex mu_;
  std::condition_variable changed_;
  Bytes ring_;
  size_t head_ = 0;  // next byte to read
  size_t size_ = 0;  // bytes buffered
  bool eof_ = false;
  bool reader_closed_ = false;
  std::optional<Error> error_;
  WriteEnd sink_;
  ReadEnd source_;
};

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
