// Streaming layer (de)compression: gzip (zlib, multi-member) and zstd, in constant memory.
// The compressed bytes come from a registry and are untrusted: output size and ratio are bounded.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "base/error.h"
#include "base/limits.h"
#include "image/compression.h"
#include "image/stream.h"

namespace cocoon::image {

std::string_view CompressionName(Compression c);  // "none", "gzip", "zstd"

struct DecompressLimits {
  uint64_t max_output_bytes = limits::kUnpackedLayerMaxBytes;
  uint64_t max_ratio = limits::kDecompressionMaxRatio;  // output bytes per input byte
  uint64_t ratio_grace_bytes = limits::kDecompressionRatioGraceBytes;
  int zstd_window_log_max = limits::kZstdWindowLogMax;
};

namespace internal {
class Codec;
}

// Decompresses what is written into it and forwards the plain bytes to `next` (not owned) in
// chunks of at most 64 KiB. The ratio is checked continuously against the compressed bytes
// consumed so far (past ratio_grace_bytes of output). Errors: ResourceExhausted naming the limit
// when the output passes `max_output_bytes` or `max_ratio` (or a zstd frame needs a larger window);
// DataLoss on a corrupt stream, trailing garbage after the last gzip member / zstd frame, or a
// stream that ends mid-member (reported by Finish). Finish then calls next->Finish(). kNone passes
// through (still counting the output limit).
class DecompressingSink final : public Sink {
 public:
  DecompressingSink(Compression compression, Sink* next, DecompressLimits limits = {});
  ~DecompressingSink() override;
  Status Write(std::span<const uint8_t> data) override;
  Status Finish() override;
  uint64_t bytes_in() const { return in_; }
  uint64_t bytes_out() const { return out_; }

 private:
  Status Emit(std::span<const uint8_t> plain);

  Compression compression_;
  Sink* next_;
  DecompressLimits limits_;
  std::unique_ptr<internal::Codec> codec_;
  uint64_t in_ = 0;
  uint64_t out_ = 0;
  bool failed_ = false;
};

// Compresses what is written into it (gzip via zlib with a gzip header, or zstd) and forwards
// the compressed bytes to `next`. `level` 0 means the library default (gzip 6, zstd 3).
// Errors: Internal on a library failure, or whatever `next` returns.
class CompressingSink final : public Sink {
 public:
  CompressingSink(Compression compression, Sink* next, int level = 0);
  ~CompressingSink() override;
  Status Write(std::span<const uint8_t> data) override;
  Status Finish() override;

 private:
  Sink* next_;
  std::unique_ptr<internal::Codec> codec_;  // null: stored uncompressed
};

namespace internal {

// One direction of one algorithm. Feed consumes all of `in`, calling `out` with produced bytes;
// End flushes (encoders) or checks that the stream ended cleanly (decoders).
class Codec {
 public:
  using Out = Status (*)(void* ctx, std::span<const uint8_t> bytes);
  virtual ~Codec() = default;
  virtual Status Feed(std::span<const uint8_t> in, Out out, void* ctx) = 0;
  virtual Status End(Out out, void* ctx) = 0;
};

std::unique_ptr<Codec> NewGzipDecoder();
std::unique_ptr<Codec> NewZstdDecoder(int window_log_max);
std::unique_ptr<Codec> NewGzipEncoder(int level);
std::unique_ptr<Codec> NewZstdEncoder(int level);

}  // namespace internal

}  // namespace cocoon::image
