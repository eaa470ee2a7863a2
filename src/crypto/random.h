// CSPRNG (OpenSSL RAND_bytes, seeded from the OS). The only source of randomness in cocoon.
#pragma once

#include <span>

#include "base/bytes.h"
#include "base/error.h"

namespace cocoon::crypto {

// Internal if the RNG fails (it does not on a healthy system).
Status RandomFill(std::span<uint8_t> out);
Result<Bytes> RandomBytes(size_t n);

}  // namespace cocoon::crypto
