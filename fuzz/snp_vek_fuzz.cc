// Fuzz target: the VCEK/VLEK certificate-extension parser: the DER pieces (SPL INTEGERs, hwID in
// both encodings, productName/cspID strings) on raw bytes, and whole certificates through
// ParseVek.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "crypto/x509.h"
#include "tee/snp/vek.h"

using namespace cocoon::tee::snp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cocoon::ByteSpan in(data, size);
  (void)ParseDerSpl(in, "spl");
  if (auto hw = ParseHwId(in); hw && hw->size() != 64 && hw->size() != 8) std::abort();
  (void)ParseDerString(in, "string");
  if (auto cert = cocoon::crypto::Certificate::FromDer(in)) {
    if (auto info = ParseVek(*cert)) {
      if (info->kind == VekKind::kVcek && !info->hw_id) std::abort();
    }
  }
  return 0;
}
