// Streaming gzip (zlib, multi-member) and zstd decoders behind DecompressingSink. The input is
// untrusted: every zlib/zstd error becomes DataLoss and output is bounded by DecompressLimits.
#include "image/layer/decompress.h"

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <array>
#include <string>

namespace cocoon::image {
namespace internal {
namespace {

constexpr size_t kChunk = 64 * 1024;

class GzipDecoder final : public Codec {
 public:
  GzipDecoder() { ok_ = inflateInit2(&zs_, 15 + 16) == Z_OK; }
  ~GzipDecoder() override { inflateEnd(&zs_); }

  Status Feed(std::span<const uint8_t> in, Out out, void* ctx) override {
    if (!ok_) return Internal("gzip: inflateInit2 failed");
    zs_.next_in = const_cast<Bytef*>(in.data());
    zs_.avail_in = static_cast<uInt>(in.size());
    bool pending = false;
    while (zs_.avail_in > 0 || (pending && in_member_)) {
      if (!in_member_) {
        if (members_ > 0 && inflateReset(&zs_) != Z_OK) return Internal("gzip: inflateReset");
        in_member_ = true;
      }
      zs_.next_out = buf_.data();
      zs_.avail_out = static_cast<uInt>(buf_.size());
      int rc = inflate(&zs_, Z_NO_FLUSH);
      size_t produced = buf_.size() - zs_.avail_out;
      pending = zs_.avail_out == 0;
      if (produced > 0) TRY(out(ctx, {buf_.data(), produced}));
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        ++members_;
      } else if (rc == Z_BUF_ERROR) {
        if (produced == 0) break;  // needs more input
      } else if (rc != Z_OK) {
        std::string why = zs_.msg != nullptr ? zs_.msg : "inflate error " + std::to_string(rc);
        if (members_ > 0 && in_member_) {
          return DataLoss("gzip: trailing data after member " + std::to_string(members_) +
                          " is not a gzip member (" + why + ")");
        }
        return DataLoss("gzip: corrupt stream: " + why);
      }
    }
    return Ok();
  }

  Status End(Out, void*) override {
    if (in_member_) return DataLoss("gzip: stream truncated inside a member");
    if (members_ == 0) return DataLoss("gzip: empty stream");
    return Ok();
  }

 private:
  z_stream zs_{};
  bool ok_ = false;
  bool in_member_ = false;
  uint64_t members_ = 0;
  std::array<uint8_t, kChunk> buf_;
};

class ZstdDecoder final : public Codec {
 public:
  explicit ZstdDecoder(int window_log_max) : dctx_(ZSTD_createDCtx()) {
    if (dctx_ != nullptr) ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, window_log_max);
  }
  ~ZstdDecoder() override { ZSTD_freeDCtx(dctx_); }

  Status Feed(std::span<const uint8_t> data, Out out, void* ctx) override {
    if (dctx_ == nullptr) return Internal("zstd: ZSTD_createDCtx failed");
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    bool pending = false;
    while (in.pos < in.size || pending) {
      ZSTD_outBuffer o{buf_.data(), buf_.size(), 0};
      size_t before = in.pos;
      size_t ret = ZSTD_decompressStream(dctx_, &o, &in);
      if (ZSTD_isError(ret)) {
        if (ZSTD_getErrorCode(ret) == ZSTD_error_frameParameter_windowTooLarge) {
          return ResourceExhausted("zstd: frame window exceeds the limit kZstdWindowLogMax (2^" +
                                   std::to_string(limits::kZstdWindowLogMax) + " bytes)");
        }
        return DataLoss(std::string(frames_ > 0 && !in_frame_ ? "zstd: trailing data: "
                                                              : "zstd: corrupt stream: ") +
                        ZSTD_getErrorName(ret));
      }
      if (o.pos == 0 && in.pos == before) break;  // a flush call with nothing left to flush
      in_frame_ = ret != 0;
      if (!in_frame_) ++frames_;
      pending = o.pos == o.size;
      if (o.pos > 0) TRY(out(ctx, {buf_.data(), o.pos}));
    }
    return Ok();
  }

  Status End(Out, void*) override {
    if (in_frame_) return DataLoss("zstd: stream truncated inside a frame");
    if (frames_ == 0) return DataLoss("zstd: empty stream");
    return Ok();
  }

 private:
  ZSTD_DCtx* dctx_;
  bool in_frame_ = false;
  uint64_t frames_ = 0;
  std::array<uint8_t, kChunk> buf_;
};

}  // namespace

std::unique_ptr<Codec> NewGzipDecoder() { return std::make_unique<GzipDecoder>(); }
std::unique_ptr<Codec> NewZstdDecoder(int window_log_max) {
  return std::make_unique<ZstdDecoder>(window_log_max);
}

}  // namespace internal

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

DecompressingSink::DecompressingSink(Compression compression, Sink* next, DecompressLimits limits)
    : compression_(compression), next_(next), limits_(limits) {
  if (compression == Compression::kGzip) codec_ = internal::NewGzipDecoder();
  if (compression == Compression::kZstd) {
    codec_ = internal::NewZstdDecoder(limits.zstd_window_log_max);
  }
}

DecompressingSink::~DecompressingSink() = default;

Status DecompressingSink::Emit(std::span<const uint8_t> plain) {
  out_ += plain.size();
  if (out_ > limits_.max_output_bytes) {
    return ResourceExhausted("decompressed layer exceeds the limit kUnpackedLayerMaxBytes (" +
                             std::to_string(limits_.max_output_bytes) + " bytes)");
  }
  if (compression_ != Compression::kNone && out_ > limits_.ratio_grace_bytes &&
      out_ / limits_.max_ratio > in_) {
    return ResourceExhausted("decompression ratio exceeds the limit kDecompressionMaxRatio (" +
                             std::to_string(limits_.max_ratio) + ":1)");
  }
  return next_->Write(plain);
}

Status DecompressingSink::Write(std::span<const uint8_t> data) {
  if (failed_) return FailedPrecondition("decompress: write after an error");
  in_ += data.size();
  Status st = codec_ == nullptr ? Emit(data)
                                : codec_->Feed(
                                      data,
                                      [](void* self, std::span<const uint8_t> b) {
                                        return static_cast<DecompressingSink*>(self)->Emit(b);
                                      },
                                      this);
  if (!st) failed_ = true;
  return st;
}

Status DecompressingSink::Finish() {
  if (failed_) return FailedPrecondition("decompress: finish after an error");
  if (codec_ != nullptr) {
    Status st = codec_->End(nullptr, nullptr);
    if (!st) {
      failed_ = true;
      return st;
    }
  }
  return next_->Finish();
}

}  // namespace cocoon::image
