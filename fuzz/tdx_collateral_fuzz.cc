// Fuzz target: DCAP collateral — TCB Info and QE Identity JSON (with the raw signed-body
// extraction), issuer-chain PEM, CRLs (DER, PEM, hex).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tee/tdx/collateral.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cocoon::tee::tdx;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ParseTcbInfo(text);
  (void)ParseQeIdentity(text);
  (void)RawJsonMember(text, "tcbInfo");
  (void)ParseIssuerChain(text, "fuzz");
  (void)ParseCrlBytes(text, "fuzz");
  return 0;
}
