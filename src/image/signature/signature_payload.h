// The "simple signing" payload shared by GPG signatures ("atomic container signature") and
// cosign ("cosign container image signature"). Payloads are untrusted until their signature has
// been verified; they are parsed only after that, strictly (containers/image rules).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"

namespace cocoon::image {

inline constexpr std::string_view kAtomicSignatureType = "atomic container signature";
inline constexpr std::string_view kCosignSignatureType = "cosign container image signature";

struct SignaturePayload {
  std::string type;
  std::string docker_reference;        // critical.identity.docker-reference
  std::string manifest_digest;         // critical.image.docker-manifest-digest
  std::optional<std::string> creator;  // optional.creator
  std::optional<int64_t> timestamp;    // optional.timestamp (seconds)
};

// InvalidArgument naming the member unless: the top level has exactly `critical` and
// `optional`; `critical` has exactly `type` (== expected_type), `image` {docker-manifest-digest}
// and `identity` {docker-reference}; `optional` is an object (or null for cosign) whose
// `creator` is a string and `timestamp` an integer when present.
Result<SignaturePayload> ParseSignaturePayload(ByteSpan payload, std::string_view expected_type);

// Payload bytes as skopeo / cosign write them. Atomic payloads carry `optional.creator` and
// `optional.timestamp`; cosign payloads have `"optional":null`.
Bytes BuildSignaturePayload(std::string_view type, std::string_view docker_reference,
                            std::string_view manifest_digest, int64_t timestamp);

}  // namespace cocoon::image
