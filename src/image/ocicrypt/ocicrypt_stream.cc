// AES-256-CTR + HMAC-SHA256 layer streams over fixed-size buffers (constant memory).
#include "image/ocicrypt/ocicrypt_stream.h"

#include <algorithm>

#include "base/encoding.h"
#include "crypto/random.h"

namespace cocoon::image {
namespace {

constexpr size_t kChunk = 64 * 1024;

// The AES-256-CTR cipher and the HMAC-SHA256 over the ciphertext, both keyed by the layer key.
Status StartCipher(const crypto::SecretBytes& symkey, const Bytes& nonce,
                   std::optional<crypto::AesCtr>* ctr, std::optional<crypto::HmacStream>* hmac) {
  ASSIGN_OR_RETURN(crypto::AesCtr c, crypto::AesCtr::Create(symkey.span(), nonce));
  ASSIGN_OR_RETURN(crypto::HmacStream h,
                   crypto::HmacStream::Create(crypto::HashAlg::kSha256, symkey.span()));
  ctr->emplace(std::move(c));
  hmac->emplace(std::move(h));
  return Ok();
}

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
  if (auto st = StartCipher(key.symkey, key.nonce, &ctr_, &hmac_); !st) {
    error_ = st.error();
    return;
  }
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
  if (auto st = StartCipher(key_.symkey, key_.nonce, &ctr_, &hmac_); !st) {
    error_ = st.error();
    return;
  }
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
