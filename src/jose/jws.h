// JWS compact serialisation (RFC 7515). The algorithm is pinned by the caller's key: the header
// `alg` must equal it, "none" and unknown `crit` are rejected.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"
#include "crypto/keys.h"
#include "crypto/sign.h"

namespace cocoon::jose {

struct JwsParts {
  Json header;
  std::string header_b64;
  Bytes payload;
  std::string payload_b64;
  Bytes signature;
};

// Splits and decodes a compact JWS without verifying it (for header inspection: kid, jwk).
// InvalidArgument on structure/encoding errors; ResourceExhausted over limits::kJwtMaxBytes.
Result<JwsParts> ParseCompact(std::string_view token);

// Signs `payload` with `alg`; `header` gets "alg" (first) and any extra members given.
Result<std::string> SignCompact(const crypto::PrivateKey& key, crypto::SignAlg alg,
                                ByteSpan payload,
                                const OrderedJson& extra_header = OrderedJson::object());

// Verifies `token` with `key` and the pinned `alg`. Unauthenticated if the header alg differs,
// the signature is wrong, or `crit` is present.
// Same, for a token already split by ParseCompact (avoids decoding it twice).
Result<JwsParts> VerifyParsed(JwsParts parts, const crypto::PublicKey& key, crypto::SignAlg alg);
Result<JwsParts> VerifyCompact(std::string_view token, const crypto::PublicKey& key,
                               crypto::SignAlg alg);

}  // namespace cocoon::jose
