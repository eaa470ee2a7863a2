// Byte-stream interfaces that the image pipeline composes: download → digest → decrypt →
// decompress → unpack. A Sink is pushed into; a Source is pulled from. Nothing here trusts the
// bytes that pass through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/error.h"

namespace cocoon::image {

// Consumer of a byte stream. Write may be called any number of times with chunks of any size
// (including empty); Finish is called once after the last chunk and is where end-of-stream checks
// (digest, HMAC, trailing data) report their result. After an error the sink is unusable.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual Status Write(std::span<const uint8_t> data) = 0;
  virtual Status Finish() = 0;
};

// Producer of a byte stream. Read fills up to `buffer.size()` bytes and returns how many it
// wrote; 0 means end of stream. Errors are sticky.
class Source {
 public:
  virtual ~Source() = default;
  virtual Result<size_t> Read(std::span<uint8_t> buffer) = 0;
};

}  // namespace cocoon::image
