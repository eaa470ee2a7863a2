// Bounds-checked reader over untrusted bytes. Every read checks the remaining length first;
// integers are decoded explicitly (never by casting the buffer to a struct).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"

namespace cocoon::base {

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }

  // Each returns InvalidArgument naming `what` if fewer bytes remain than needed.
  Result<uint8_t> U8(std::string_view what = "u8");
  Result<uint16_t> U16Le(std::string_view what = "u16");
  Result<uint32_t> U32Le(std::string_view what = "u32");
  Result<uint64_t> U64Le(std::string_view what = "u64");
  Result<uint16_t> U16Be(std::string_view what = "u16");
  Result<uint32_t> U32Be(std::string_view what = "u32");
  Result<uint64_t> U64Be(std::string_view what = "u64");
  // A view of the next `n` bytes (valid while the underlying buffer lives).
  Result<ByteSpan> Take(size_t n, std::string_view what = "bytes");
  Status Skip(size_t n, std::string_view what = "bytes");
  // A reader over the next `n` bytes; this reader advances past them.
  Result<ByteReader> Sub(size_t n, std::string_view what = "bytes");
  // Fails with InvalidArgument if any bytes remain.
  Status ExpectEnd(std::string_view what = "input") const;

 private:
  Status Need(size_t n, std::string_view what) const;

  ByteSpan data_;
  size_t pos_ = 0;
};

}  // namespace cocoon::base
