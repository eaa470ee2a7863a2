// Message digests and HMAC (SHA-256/384/512).
#pragma once

#include <memory>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/secret_bytes.h"

namespace cocoon::crypto {

enum class HashAlg { kSha256, kSha384, kSha512 };

// "sha256" | "sha384" | "sha512" (lower-case, as in KBS hash negotiation). InvalidArgument else.
Result<HashAlg> ParseHashAlg(std::string_view name);
std::string_view HashAlgName(HashAlg alg);
size_t DigestSize(HashAlg alg);

Bytes Sha256(ByteSpan data);
Bytes Sha384(ByteSpan data);
Bytes Sha512(ByteSpan data);
Bytes Digest(HashAlg alg, ByteSpan data);

// Incremental hashing for streams.
class Hasher {
 public:
  explicit Hasher(HashAlg alg);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  void Update(ByteSpan data);
  Bytes Finish();  // the hasher is reset afterwards

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Bytes Hmac(HashAlg alg, ByteSpan key, ByteSpan data);

}  // namespace cocoon::crypto
