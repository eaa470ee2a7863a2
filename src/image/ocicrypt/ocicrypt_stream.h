// Streaming AES_256_CTR_HMAC_SHA256 (ocicrypt's layer cipher): encrypt-then-MAC with the layer's
// symkey as both the CTR key and the HMAC key. Ciphertext is untrusted until Finish succeeds.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/aes.h"
#include "crypto/hmac_stream.h"
#include "image/ocicrypt/ocicrypt.h"
#include "image/stream.h"

namespace cocoon::image {

// Decrypts chunk by chunk and forwards plaintext to `next` as it goes; memory does not grow with
// the layer size. Because plaintext is released before the MAC is known, the consumer must not
// commit anything until Finish (which finishes `next` only after the HMAC matched) succeeds.
// Finish: DataLoss "layer HMAC mismatch" if the HMAC over the ciphertext differs from
// `expected_hmac_b64` (compared in constant time). InvalidArgument (at the first call) for a
// malformed key, nonce or expected HMAC. Errors are sticky.
class DecryptingSink final : public Sink {
 public:
  DecryptingSink(const LayerKey& key, std::string expected_hmac_b64, Sink* next);
  Status Write(std::span<const uint8_t> data) override;
  Status Finish() override;

 private:
  Status Fail(Error e);
  std::optional<crypto::AesCtr> ctr_;
  std::optional<crypto::HmacStream> hmac_;
  Bytes expected_hmac_;
  Sink* next_;
  Bytes buffer_;
  std::optional<Error> error_;
};

// Generates a fresh 32-byte symkey and 16-byte nonce, encrypts what is written and forwards the
// ciphertext to `next`. After a successful Finish, hmac() is the HMAC to publish in pubopts.
class EncryptingSink final : public Sink {
 public:
  explicit EncryptingSink(Sink* next);
  Status Write(std::span<const uint8_t> data) override;
  Status Finish() override;
  // symkey and nonce (digest left empty for the caller to fill in).
  const LayerKey& key() const { return key_; }
  const Bytes& hmac() const { return hmac_value_; }

 private:
  Status Fail(Error e);
  LayerKey key_;
  std::optional<crypto::AesCtr> ctr_;
  std::optional<crypto::HmacStream> hmac_;
  Sink* next_;
  Bytes buffer_;
  Bytes hmac_value_;
  std::optional<Error> error_;
};

}  // namespace cocoon::image
