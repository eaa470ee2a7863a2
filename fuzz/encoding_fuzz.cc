// Fuzz target: strict hex / base64 / base64url decoders; decoded bytes must re-encode to the
// input (the decoders accept exactly one spelling of each value).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "base/encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto b = cocoon::base::Base64Decode(text)) {
    if (cocoon::base::Base64Encode(*b) != text) std::abort();
  }
  if (auto b = cocoon::base::Base64UrlDecode(text)) {
    if (cocoon::base::Base64UrlEncode(*b) != text) std::abort();
  }
  (void)cocoon::base::Base64DecodeAny(text);
  (void)cocoon::base::HexDecode(text);
  return 0;
}
