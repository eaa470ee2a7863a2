// SecretBytes: a vector that is wiped with OPENSSL_cleanse whenever its contents go away.
#include "crypto/secret_bytes.h"

#include <openssl/crypto.h>

#include <algorithm>

namespace cocoon::crypto {

SecretBytes::~SecretBytes() { Wipe(); }

SecretBytes::SecretBytes(SecretBytes&& o) noexcept : data_(std::move(o.data_)) { o.data_.clear(); }

SecretBytes& SecretBytes::operator=(SecretBytes&& o) noexcept {
  if (this != &o) {
    Wipe();
    data_ = std::move(o.data_);
    o.data_.clear();
  }
  return *this;
}

void SecretBytes::Wipe() {
  if (!data_.empty()) OPENSSL_cleanse(data_.data(), data_.size());
}

void SecretBytes::resize(size_t n) {
  if (n <= data_.size()) {
    OPENSSL_cleanse(data_.data() + n, data_.size() - n);
    data_.resize(n);
  } else if (n <= data_.capacity()) {
    data_.resize(n);
  } else {
    std::vector<uint8_t> bigger(n);
    std::copy(data_.begin(), data_.end(), bigger.begin());
    Wipe();
    data_.swap(bigger);
  }
}

bool ConstantTimeEquals(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace cocoon::crypto
