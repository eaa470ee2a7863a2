// OCI content digests ("sha256:<64 hex>", "sha512:<128 hex>") and a sink that checks one while
// the bytes stream past. Digests come from manifests, i.e. from the registry: parsed strictly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/digest.h"
#include "image/stream.h"

namespace cocoon::image {

struct Digest {
  crypto::HashAlg algorithm = crypto::HashAlg::kSha256;
  std::string hex;  // lower-case

  // InvalidArgument naming the digest unless it is "sha256:" + 64 or "sha512:" + 128 lower-case
  // hex digits (the OCI image spec's registered algorithms).
  static Result<Digest> Parse(std::string_view text);
  static Digest Of(ByteSpan data, crypto::HashAlg alg = crypto::HashAlg::kSha256);
  std::string String() const;  // "sha256:<hex>"
  bool operator==(const Digest&) const = default;
};

// Forwards every byte to `next` (may be null: hash only) while hashing it. Finish returns
// DataLoss naming both digests when the content does not match `expected`, or when the byte
// count differs from `expected_size`; Write fails as soon as the stream runs past expected_size.
class DigestingSink final : public Sink {
 public:
  DigestingSink(Digest expected, std::optional<uint64_t> expected_size, Sink* next);
  Status Write(std::span<const uint8_t> data) override;
  Status Finish() override;
  uint64_t bytes() const { return bytes_; }

 private:
  Digest expected_;
  std::optional<uint64_t> expected_size_;
  Sink* next_;
  crypto::Hasher hasher_;
  uint64_t bytes_ = 0;
};

}  // namespace cocoon::image
