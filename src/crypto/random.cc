// CSPRNG: OpenSSL's DRBG (RAND_bytes), seeded by the OS.
#include "crypto/random.h"

#include <openssl/rand.h>

#include "crypto/internal/openssl_util.h"

namespace cocoon::crypto {

Status RandomFill(std::span<uint8_t> out) {
  while (!out.empty()) {
    size_t n = std::min(out.size(), internal::kMaxChunk);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
      return internal::OpensslError(Code::kInternal, "RAND_bytes failed");
    }
    out = out.subspan(n);
  }
  return Ok();
}

Result<Bytes> RandomBytes(size_t n) {
  Bytes out(n);
  TRY(RandomFill(out));
  return out;
}

}  // namespace cocoon::crypto
