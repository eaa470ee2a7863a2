// AES-GCM, AES-CTR and AES key wrap (RFC 3394) over OpenSSL EVP ciphers.
#include "crypto/aes.h"

#include <openssl/evp.h>

#include "crypto/internal/openssl_util.h"

namespace cocoon::crypto {

using internal::CipherCtxPtr;
using internal::OpensslError;

namespace {

constexpr size_t kGcmTagSize = 16;

enum class Mode { kGcm, kCtr, kWrap };

Result<const EVP_CIPHER*> Cipher(Mode mode, size_t key_size) {
  if (key_size != 16 && key_size != 24 && key_size != 32) {
    return InvalidArgument("AES key must be 16, 24 or 32 bytes, got " + std::to_string(key_size));
  }
  int i = key_size == 16 ? 0 : key_size == 24 ? 1 : 2;
  switch (mode) {
    case Mode::kGcm: {
      const EVP_CIPHER* c[] = {EVP_aes_128_gcm(), EVP_aes_192_gcm(), EVP_aes_256_gcm()};
      return c[i];
    }
    case Mode::kCtr: {
      const EVP_CIPHER* c[] = {EVP_aes_128_ctr(), EVP_aes_192_ctr(), EVP_aes_256_ctr()};
      return c[i];
    }
    case Mode::kWrap: {
      const EVP_CIPHER* c[] = {EVP_aes_128_wrap(), EVP_aes_192_wrap(), EVP_aes_256_wrap()};
      return c[i];
    }
  }
  return Internal("unknown AES mode");
}

// Runs EVP_CipherUpdate over `in` in int-sized chunks; `out` must hold in.size() bytes
// (stream modes: output length equals input length).
Status StreamUpdate(EVP_CIPHER_CTX* ctx, ByteSpan in, uint8_t* out) {
  while (!in.empty()) {
    size_t n = std::min(in.size(), internal::kMaxChunk);
    int len = 0;
    if (EVP_CipherUpdate(ctx, out, &len, in.data(), static_cast<int>(n)) != 1 ||
        static_cast<size_t>(len) != n) {
      return OpensslError(Code::kInternal, "EVP_CipherUpdate");
    }
    in = in.subspan(n);
    out += n;
  }
  return Ok();
}

// A GCM context initialised for `enc` with key, IV and AAD.
Result<CipherCtxPtr> GcmInit(bool enc, ByteSpan key, ByteSpan iv, ByteSpan aad) {
  ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, Cipher(Mode::kGcm, key.size()));
  if (iv.empty() || iv.size() > internal::kMaxChunk)
    return InvalidArgument("AES-GCM IV must be non-empty");
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                          nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data(), enc) != 1) {
    return OpensslError(Code::kInternal, "AES-GCM init");
  }
  while (!aad.empty()) {
    size_t n = std::min(aad.size(), internal::kMaxChunk);
    int len = 0;
    if (EVP_CipherUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(n)) != 1) {
      return OpensslError(Code::kInternal, "AES-GCM AAD");
    }
    aad = aad.subspan(n);
  }
  return ctx;
}

}  // namespace

Result<GcmSealed> AesGcmEncrypt(ByteSpan key, ByteSpan iv, ByteSpan aad, ByteSpan plaintext) {
  ASSIGN_OR_RETURN(CipherCtxPtr ctx, GcmInit(true, key, iv, aad));
  GcmSealed out{Bytes(plaintext.size()), Bytes(kGcmTagSize)};
  TRY(StreamUpdate(ctx.get(), plaintext, out.ciphertext.data()));
  int len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), out.ciphertext.data() + out.ciphertext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize, out.tag.data()) != 1) {
    return OpensslError(Code::kInternal, "AES-GCM finish");
  }
  return out;
}

Result<SecretBytes> AesGcmDecrypt(ByteSpan key, ByteSpan iv, ByteSpan aad, ByteSpan ciphertext,
                                  ByteSpan tag) {
  if (tag.size() != kGcmTagSize) return InvalidArgument("AES-GCM tag must be 16 bytes");
  ASSIGN_OR_RETURN(CipherCtxPtr ctx, GcmInit(false, key, iv, aad));
  SecretBytes plain(ciphertext.size());
  TRY(StreamUpdate(ctx.get(), ciphertext, plain.data()));
  Bytes tag_copy(tag.begin(), tag.end());  // the ctrl takes a non-const pointer
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag_copy.data()) != 1) {
    return OpensslError(Code::kInternal, "AES-GCM set tag");
  }
  int len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + plain.size(), &len) != 1) {
    internal::DrainOpensslErrors();
    return Unauthenticated("AES-GCM authentication tag mismatch");  // `plain` is wiped
  }
  return plain;
}

struct AesCtr::State {
  CipherCtxPtr ctx;
};

AesCtr::AesCtr(std::unique_ptr<State> s) : state_(std::move(s)) {}
AesCtr::~AesCtr() = default;
AesCtr::AesCtr(AesCtr&&) noexcept = default;
AesCtr& AesCtr::operator=(AesCtr&&) noexcept = default;

Result<AesCtr> AesCtr::Create(ByteSpan key, ByteSpan iv) {
  ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, Cipher(Mode::kCtr, key.size()));
  if (iv.size() != 16) return InvalidArgument("AES-CTR IV must be 16 bytes");
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(), iv.data()) != 1) {
    return OpensslError(Code::kInternal, "AES-CTR init");
  }
  return AesCtr(std::make_unique<State>(State{std::move(ctx)}));
}

Status AesCtr::Update(ByteSpan in, std::span<uint8_t> out) {
  if (!state_) return FailedPrecondition("AesCtr used after move");
  if (out.size() < in.size()) return InvalidArgument("AES-CTR output buffer too small");
  return StreamUpdate(state_->ctx.get(), in, out.data());
}

namespace {

Result<CipherCtxPtr> WrapInit(bool enc, ByteSpan kek) {
  ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, Cipher(Mode::kWrap, kek.size()));
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpensslError(Code::kInternal, "EVP_CIPHER_CTX_new");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, kek.data(), nullptr, enc) != 1) {
    return OpensslError(Code::kInternal, "AES key wrap init");
  }
  return ctx;
}

constexpr size_t kMaxWrapInput = 64 * 1024;  // keys, not bulk data

}  // namespace

Result<Bytes> AesKeyWrap(ByteSpan kek, ByteSpan key) {
  if (key.size() < 16 || key.size() % 8 != 0 || key.size() > kMaxWrapInput) {
    return InvalidArgument("key to wrap must be a multiple of 8 bytes, at least 16");
  }
  ASSIGN_OR_RETURN(CipherCtxPtr ctx, WrapInit(true, kek));
  Bytes out(key.size() + 8);
  int len = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &len, key.data(), static_cast<int>(key.size())) <=
          0 ||
      static_cast<size_t>(len) != out.size()) {
    return OpensslError(Code::kInternal, "AES key wrap");
  }
  return out;
}

Result<SecretBytes> AesKeyUnwrap(ByteSpan kek, ByteSpan wrapped) {
  if (wrapped.size() < 24 || wrapped.size() % 8 != 0 || wrapped.size() > kMaxWrapInput) {
    return InvalidArgument("wrapped key must be a multiple of 8 bytes, at least 24");
  }
  ASSIGN_OR_RETURN(CipherCtxPtr ctx, WrapInit(false, kek));
  SecretBytes out(wrapped.size());  // OpenSSL may write up to the input length
  int len = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &len, wrapped.data(),
                       static_cast<int>(wrapped.size())) <= 0 ||
      static_cast<size_t>(len) != wrapped.size() - 8) {
    internal::DrainOpensslErrors();
    return Unauthenticated("AES key unwrap integrity check failed");
  }
  out.resize(wrapped.size() - 8);
  return out;
}

}  // namespace cocoon::crypto
