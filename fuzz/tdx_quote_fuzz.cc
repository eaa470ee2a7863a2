// Fuzz target: TDX quote parser (header, TD report body, signature data, certification data
// types 6 and 5), then the PCK chain's certificates and the SGX extension of the leaf.
#include <cstddef>
#include <cstdint>

#include "crypto/x509.h"
#include "tee/tdx/pck_extension.h"
#include "tee/tdx/quote.h"
#include "tee/tdx/verify.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cocoon::tee::tdx;
  auto q = ParseQuote(cocoon::ByteSpan(data, size));
  if (!q) return 0;
  (void)QuoteClaims(*q);
  auto certs = cocoon::crypto::Certificate::ParsePemBundle(q->pck_chain_pem);
  if (!certs) return 0;
  for (const auto& c : *certs) {
    if (auto ext = c.ExtensionValue(kSgxExtensionOid)) (void)ParsePckExtension(*ext);
  }
  // The raw extension bytes as input too: the DER walker on arbitrary bytes.
  (void)ParsePckExtension(cocoon::ByteSpan(data, size));
  return 0;
}
