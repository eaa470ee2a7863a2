// Incremental HMAC (SHA-256/384/512) over a stream, for MACs of data too large to hold in memory
// (ocicrypt layers). The key is copied into OpenSSL's context and wiped with it.
#pragma once

#include <memory>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/digest.h"

namespace cocoon::crypto {

class HmacStream {
 public:
  // InvalidArgument for an empty or oversized key; Internal if OpenSSL fails.
  static Result<HmacStream> Create(HashAlg alg, ByteSpan key);
  ~HmacStream();
  HmacStream(HmacStream&&) noexcept;
  HmacStream& operator=(HmacStream&&) noexcept;

  Status Update(ByteSpan data);
  // The MAC of everything passed to Update. The object is unusable afterwards
  // (FailedPrecondition on further calls).
  Result<Bytes> Finish();

 private:
  struct State;
  explicit HmacStream(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

}  // namespace cocoon::crypto
