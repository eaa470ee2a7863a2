// Streaming gzip and zstd encoders behind CompressingSink, used to create layers (image encrypt
// and build). Input is our own data; the only failures are library errors and the next sink's.
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <string>

#include "image/layer/decompress.h"

namespace cocoon::image {
namespace internal {
namespace {

constexpr size_t kChunk = 64 * 1024;

class GzipEncoder final : public Codec {
 public:
  explicit GzipEncoder(int level) {
    ok_ = deflateInit2(&zs_, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, 15 + 16, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~GzipEncoder() override { deflateEnd(&zs_); }

  Status Feed(std::span<const uint8_t> in, Out out, void* ctx) override {
    zs_.next_in = const_cast<Bytef*>(in.data());
    zs_.avail_in = static_cast<uInt>(in.size());
    return Run(Z_NO_FLUSH, out, ctx);
  }
  Status End(Out out, void* ctx) override { return Run(Z_FINISH, out, ctx); }

 private:
  Status Run(int flush, Out out, void* ctx) {
    if (!ok_) return Internal("gzip: deflateInit2 failed");
    for (;;) {
      zs_.next_out = buf_.data();
      zs_.avail_out = static_cast<uInt>(buf_.size());
      int rc = deflate(&zs_, flush);
      if (rc == Z_STREAM_ERROR) return Internal("gzip: deflate failed");
      size_t produced = buf_.size() - zs_.avail_out;
      if (produced > 0) TRY(out(ctx, {buf_.data(), produced}));
      if (flush == Z_FINISH ? rc == Z_STREAM_END : (zs_.avail_in == 0 && zs_.avail_out > 0)) {
        return Ok();
      }
    }
  }

  z_stream zs_{};
  bool ok_ = false;
  std::array<uint8_t, kChunk> buf_;
};

class ZstdEncoder final : public Codec {
 public:
  explicit ZstdEncoder(int level) : cctx_(ZSTD_createCCtx()) {
    if (cctx_ != nullptr && level != 0) {
      ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, level);
    }
  }
  ~ZstdEncoder() override { ZSTD_freeCCtx(cctx_); }

  Status Feed(std::span<const uint8_t> data, Out out, void* ctx) override {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    return Run(in, ZSTD_e_continue, out, ctx);
  }
  Status End(Out out, void* ctx) override {
    ZSTD_inBuffer in{nullptr, 0, 0};
    return Run(in, ZSTD_e_end, out, ctx);
  }

 private:
  Status Run(ZSTD_inBuffer& in, ZSTD_EndDirective mode, Out out, void* ctx) {
    if (cctx_ == nullptr) return Internal("zstd: ZSTD_createCCtx failed");
    for (;;) {
      ZSTD_outBuffer o{buf_.data(), buf_.size(), 0};
      size_t left = ZSTD_compressStream2(cctx_, &o, &in, mode);
      if (ZSTD_isError(left)) {
        return Internal(std::string("zstd: compress failed: ") + ZSTD_getErrorName(left));
      }
      if (o.pos > 0) TRY(out(ctx, {buf_.data(), o.pos}));
      bool done = mode == ZSTD_e_end ? left == 0 : (in.pos == in.size && o.pos < o.size);
      if (done) return Ok();
    }
  }

  ZSTD_CCtx* cctx_;
  std::array<uint8_t, kChunk> buf_;
};

Status Forward(void* next, std::span<const uint8_t> b) {
  return static_cast<Sink*>(next)->Write(b);
}

}  // namespace

std::unique_ptr<Codec> NewGzipEncoder(int level) { return std::make_unique<GzipEncoder>(level); }
std::unique_ptr<Codec> NewZstdEncoder(int level) { return std::make_unique<ZstdEncoder>(level); }

}  // namespace internal

CompressingSink::CompressingSink(Compression compression, Sink* next, int level) : next_(next) {
  if (compression == Compression::kGzip) codec_ = internal::NewGzipEncoder(level);
  if (compression == Compression::kZstd) codec_ = internal::NewZstdEncoder(level);
}

CompressingSink::~CompressingSink() = default;

Status CompressingSink::Write(std::span<const uint8_t> data) {
  if (codec_ == nullptr) return next_->Write(data);
  return codec_->Feed(data, internal::Forward, next_);
}

Status CompressingSink::Finish() {
  if (codec_ != nullptr) TRY(codec_->End(internal::Forward, next_));
  return next_->Finish();
}

}  // namespace cocoon::image
