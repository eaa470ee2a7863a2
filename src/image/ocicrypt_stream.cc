// AES-256-CTR + HMAC-SHA256 layer streams over fixed-size buffers (constant memory).
#include "image/ocicrypt_stream.h"

#include <algorithm>

#include "base/encoding.h"
#include "crypto/random.h"

namespace cocoon::image {
namespace {

constexpr size_t kChunk = 64 * 1024;

}  // namespace

DecryptingSink::DecryptingSink(const LayerKey& key, std::string expected_hmac_b64, Sink* next)
    : next_(next) {
  auto hmac = base::Base64Decode(expected_hmac_b64);
  if (!hmac || hmac->size() != kHmacBytes) {
    error_ = Error(Code::kInvalidArgument, "layer HMAC must be base64 of 32 bytes");
    return;
  }
  expected_hmac_ = std::move(*hmac);
  if (key.symkey.size() != kSymKeyBytes || key.nonce.size() != kNonceBytes) {
    error_ = Error(Code::kInvalidArgument, "layer key must be 32 bytes and nonce 16 bytes");
    return;
  }
  auto ctr = crypto::AesCtr::Create(key.symkey.span(), key.nonce);
  auto mac = crypto::HmacStream::Create(crypto::HashAlg::kSha256, key.symkey.span());
  if (!ctr || !mac) {
    error_ = ctr ? mac.error() : ctr.error();
    return;
  }
  ctr_.emplace(std::move(*ctr));
  hmac_.emplace(std::move(*mac));
  buffer_.resize(kChunk);
}

Status DecryptingSink::Fail(Error e) {
  error_ = e;
  return std::unexpected(std::move(e));
}

Status DecryptingSink::Write(std::span<const uint8_t> data) {
  if (error_) return std::unexpected(*error_);
  if (auto s = hmac_->Update(data); !s) return Fail(s.error());
  while (!data.empty()) {
    const size_t n = std::min(data.size(), buffer_.size());
    std::span<uint8_t> out(buffer_.data(), n);
    if (auto s = ctr_->Update(data.first(n), out); !s) return Fail(s.error());
    if (next_ != nullptr) {
      if (auto s = next_->Write(out); !s) return Fail(s.error());
    }
    data = data.subspan(n);
  }
  return Ok();
}

Status DecryptingSink::Finish() {
  if (error_) return std::unexpected(*error_);
  auto mac = hmac_->Finish();
  if (!mac) return Fail(mac.error());
  if (!crypto::ConstantTimeEquals(*mac, expected_hmac_)) {
    return Fail(Error(Code::kDataLoss, "layer HMAC mismatch"));
  }
  if (next_ != nullptr) {
    if (auto s = next_->Finish(); !s) return Fail(s.error());
  }
  error_ = Error(Code::kFailedPrecondition, "decrypting sink already finished");
  return Ok();
}

EncryptingSink::EncryptingSink(Sink* next) : next_(next) {
  key_.symkey = crypto::SecretBytes(kSymKeyBytes);
  key_.nonce.resize(kNonceBytes);
  if (auto s = crypto::RandomFill(key_.symkey.mutable_span()); !s) {
    error_ = s.error();
    return;
  }
  if (auto s = crypto::RandomFill(key_.nonce); !s) {
    error_ = s.error();
    return;
  }
  auto ctr = crypto::AesCtr::Create(key_.symkey.span(), key_.nonce);
  auto mac = crypto::HmacStream::Create(crypto::HashAlg::kSha256, key_.symkey.span());
  if (!ctr || !mac) {
    error_ = ctr ? mac.error() : ctr.error();
    return;
  }
  ctr_.emplace(std::move(*ctr));
  hmac_.emplace(std::move(*mac));
  buffer_.resize(kChunk);
}

Status EncryptingSink::Fail(Error e) {
  error_ = e;
  return std::unexpected(std::move(e));
}

Status EncryptingSink::Write(std::span<const uint8_t> data) {
  if (error_) return std::unexpected(*error_);
  while (!data.empty()) {
    const size_t n = std::min(data.size(), buffer_.size());
    std::span<uint8_t> out(buffer_.data(), n);
    if (auto s = ctr_->Update(data.first(n), out); !s) return Fail(s.error());
    if (auto s = hmac_->Update(out); !s) return Fail(s.error());
    if (next_ != nullptr) {
      if (auto s = next_->Write(out); !s) return Fail(s.error());
    }
    data = data.subspan(n);
  }
  return Ok();
}

Status EncryptingSink::Finish() {
  if (error_) return std::unexpected(*error_);
  auto mac = hmac_->Finish();
  if (!mac) return Fail(mac.error());
  if (next_ != nullptr) {
    if (auto s = next_->Finish(); !s) return Fail(s.error());
  }
  hmac_value_ = std::move(*mac);
  error_ = Error(Code::kFailedPrecondition, "encrypting sink already finished");
  return Ok();
}

}  // namespace cocoon::image
