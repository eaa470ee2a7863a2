// Parsed TEE public keys by their normalised JWK text. Every RCAR client presents its key at
// /attest and the KBS needs it again for each resource JWE; parsing and validating a JWK is
// ~30 µs of OpenSSL work, a map lookup is not. Bounded; oldest entries go first.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/error.h"
#include "base/json.h"
#include "crypto/keys.h"

namespace cocoon::kbs {

class TeeKeyCache {
 public:
  explicit TeeKeyCache(size_t capacity = 4096) : capacity_(capacity) {}

  // The key for `jwk` (parsed and validated by jose::PublicKeyFromJwk on a miss).
  Result<crypto::PublicKey> Get(const Json& jwk);

 private:
  size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, crypto::PublicKey> keys_;
  std::deque<std::string> order_;
};

}  // namespace cocoon::kbs
