#include "image/digest.h"

#include "base/encoding.h"

namespace cocoon::image {

Result<Digest> Digest::Parse(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgument("digest '" + std::string(text) + "' has no algorithm prefix");
  }
  std::string_view alg = text.substr(0, colon);
  std::string_view hex = text.substr(colon + 1);
  Digest d;
  size_t want = 0;
  if (alg == "sha256") {
    d.algorithm = crypto::HashAlg::kSha256;
    want = 64;
  } else if (alg == "sha512") {
    d.algorithm = crypto::HashAlg::kSha512;
    want = 128;
  } else {
    return InvalidArgument("digest '" + std::string(text) + "': unsupported algorithm '" +
                           std::string(alg) + "'");
  }
  if (hex.size() != want) {
    return InvalidArgument("digest '" + std::string(text) + "': expected " + std::to_string(want) +
                           " hex digits");
  }
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return InvalidArgument("digest '" + std::string(text) + "': not lower-case hexadecimal");
    }
  }
  d.hex = std::string(hex);
  return d;
}

Digest Digest::Of(ByteSpan data, crypto::HashAlg alg) {
  return Digest{alg, base::HexEncode(crypto::Digest(alg, data))};
}

std::string Digest::String() const {
  return std::string(crypto::HashAlgName(algorithm)) + ":" + hex;
}

DigestingSink::DigestingSink(Digest expected, std::optional<uint64_t> expected_size, Sink* next)
    : expected_(std::move(expected)),
      expected_size_(expected_size),
      next_(next),
      hasher_(expected_.algorithm) {}

Status DigestingSink::Write(std::span<const uint8_t> data) {
  bytes_ += data.size();
  if (expected_size_ && bytes_ > *expected_size_) {
    return DataLoss("content of " + expected_.String() + " is longer than its declared " +
                    std::to_string(*expected_size_) + " bytes");
  }
  hasher_.Update(data);
  if (next_ != nullptr) return next_->Write(data);
  return Ok();
}

Status DigestingSink::Finish() {
  if (expected_size_ && bytes_ != *expected_size_) {
    return DataLoss("content of " + expected_.String() + " has " + std::to_string(bytes_) +
                    " bytes, the descriptor says " + std::to_string(*expected_size_));
  }
  Digest got{expected_.algorithm, base::HexEncode(hasher_.Finish())};
  if (got != expected_) {
    return DataLoss("digest mismatch: expected " + expected_.String() + ", got " + got.String());
  }
  if (next_ != nullptr) return next_->Finish();
  return Ok();
}

}  // namespace cocoon::image
