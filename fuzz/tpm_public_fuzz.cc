// Fuzz target: TPMT_PUBLIC / TPM2B_PUBLIC and TPMT_SIGNATURE parsing, key conversion and Name.
// The first input byte picks the parser.
#include <cstddef>
#include <cstdint>

#include "tee/tpm/tpm.h"
#include "tee/tpm/tpm_types.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cocoon::tee::tpm;
  if (size == 0) return 0;
  cocoon::ByteSpan in(data + 1, size - 1);
  if (data[0] & 1) {
    (void)ParseSignature(in);
    return 0;
  }
  auto p = ParsePublic(in);
  if (p) {
    (void)ToPublicKey(*p);
    (void)ComputeName(*p);
  }
  (void)LoadAk(in);
  return 0;
}
