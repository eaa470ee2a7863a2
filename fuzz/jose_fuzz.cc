// Fuzz target: JWS/JWT parsing and verification, JWE (compact and flattened) decryption, JWK
// parsing — all with fixed keys, on untrusted input.
#include <cstddef>
#include <cstdint>

#include "base/json.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "jose/jwt.h"

namespace {
const cocoon::crypto::PrivateKey& Key() {
  static const auto k = *cocoon::crypto::PrivateKey::Generate(cocoon::crypto::KeyType::kEcP256);
  return k;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)cocoon::jose::ParseCompact(text);
  (void)cocoon::jose::VerifyJwt(text, Key().public_key(), cocoon::crypto::SignAlg::kEs256);
  (void)cocoon::jose::DecryptCompact(text, Key());
  if (auto j = cocoon::base::ParseJson(text)) {
    if (j->is_object()) {
      (void)cocoon::jose::DecryptFlattened(*j, Key());
      (void)cocoon::jose::PublicKeyFromJwk(*j);
    }
  }
  return 0;
}
