// A byte buffer for keys and plaintexts: wiped (OPENSSL_cleanse) on destruction and on reassign,
// move-only, never printed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace cocoon::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : data_(n) {}
  explicit SecretBytes(ByteSpan b) : data_(b.begin(), b.end()) {}
  static SecretBytes FromString(std::string_view s) { return SecretBytes(AsBytes(s)); }
  ~SecretBytes();
  SecretBytes(SecretBytes&& o) noexcept;
  SecretBytes& operator=(SecretBytes&& o) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes Clone() const { return SecretBytes(span()); }

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  ByteSpan span() const { return data_; }
  std::span<uint8_t> mutable_span() { return data_; }
  void resize(size_t n);  // wipes the old storage if it reallocates or shrinks
  std::string_view view() const { return AsString(data_); }

 private:
  void Wipe();
  std::vector<uint8_t> data_;
};

// Constant-time equality (CRYPTO_memcmp); false if sizes differ.
bool ConstantTimeEquals(ByteSpan a, ByteSpan b);

}  // namespace cocoon::crypto
