// AES-GCM (AEAD), AES-CTR (streaming, for ocicrypt layers) and AES Key Wrap (RFC 3394).
#pragma once

#include <memory>
#include <span>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/secret_bytes.h"

namespace cocoon::crypto {

struct GcmSealed {
  Bytes ciphertext;
  Bytes tag;  // 16 bytes
};

// key: 16/24/32 bytes; iv: 12 bytes recommended (any non-zero length accepted).
// InvalidArgument on bad key/iv sizes.
Result<GcmSealed> AesGcmEncrypt(ByteSpan key, ByteSpan iv, ByteSpan aad, ByteSpan plaintext);
// Unauthenticated if the tag does not verify (no plaintext is released).
Result<SecretBytes> AesGcmDecrypt(ByteSpan key, ByteSpan iv, ByteSpan aad, ByteSpan ciphertext,
                                  ByteSpan tag);

// Streaming AES-CTR (key 16/24/32 bytes, iv 16 bytes). Encrypt and decrypt are the same op.
class AesCtr {
 public:
  static Result<AesCtr> Create(ByteSpan key, ByteSpan iv);
  ~AesCtr();
  AesCtr(AesCtr&&) noexcept;
  AesCtr& operator=(AesCtr&&) noexcept;
  // `out` must be at least in.size() bytes; may alias `in` exactly.
  Status Update(ByteSpan in, std::span<uint8_t> out);

 private:
  struct State;
  explicit AesCtr(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

// RFC 3394 key wrap with AES-128/192/256 KEK. Input must be a multiple of 8 bytes, >= 16.
Result<Bytes> AesKeyWrap(ByteSpan kek, ByteSpan key);
// Unauthenticated if the integrity check fails.
Result<SecretBytes> AesKeyUnwrap(ByteSpan kek, ByteSpan wrapped);

}  // namespace cocoon::crypto
