// A bounded byte pipe between a producer thread (writes into a Sink) and a consumer thread
// (reads from a Source), e.g. download/decrypt/decompress on one side and tar unpack on the
// other. Memory is bounded by the capacity; either side can abort and the other sees the error.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

#include "base/error.h"
#include "image/stream.h"

namespace cocoon::image {

class Pipe {
 public:
  explicit Pipe(size_t capacity = 1 << 20);
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  // Producer side. Write blocks while the buffer is full; it returns the abort error once either
  // side aborted. Finish marks end of stream (the reader then sees 0 after draining); a Write
  // after Finish is FailedPrecondition.
  Sink& writer() { return writer_; }
  // Consumer side. Read blocks until data, end of stream (0) or an abort (the abort error).
  Source& reader() { return reader_; }

  // Either side: wakes both and makes every later Write/Read return `error` (first abort wins).
  // A consumer that stops early must Abort so that a blocked producer returns.
  void Abort(Error error);

 private:
  class Writer final : public Sink {
   public:
    explicit Writer(Pipe* p) : p_(p) {}
    Status Write(std::span<const uint8_t> data) override { return p_->Put(data); }
    Status Finish() override { return p_->Close(); }

   private:
    Pipe* p_;
  };
  class Reader final : public Source {
   public:
    explicit Reader(Pipe* p) : p_(p) {}
    Result<size_t> Read(std::span<uint8_t> buffer) override { return p_->Take(buffer); }

   private:
    Pipe* p_;
  };

  Status Put(std::span<const uint8_t> data);
  Status Close();
  Result<size_t> Take(std::span<uint8_t> buffer);

  std::mutex mu_;
  std::condition_variable can_read_;
  std::condition_variable can_write_;
  std::vector<uint8_t> ring_;
  size_t head_ = 0;  // next byte to read
  size_t size_ = 0;  // bytes buffered
  bool finished_ = false;
  std::optional<Error> aborted_;
  Writer writer_{this};
  Reader reader_{this};
};

}  // namespace cocoon::image
