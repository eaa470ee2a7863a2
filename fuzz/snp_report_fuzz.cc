// Fuzz target: the SEV-SNP report parser (and the GHCB certificate table, the other binary the
// guest receives). What parses must re-encode to a report that parses to the same fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "tee/snp/cert_table.h"
#include "tee/snp/report.h"

using namespace cocoon::tee::snp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cocoon::ByteSpan in(data, size);
  if (auto r = ParseReport(in)) {
    cocoon::Bytes again = EncodeReport(*r);
    auto r2 = ParseReport(again);
    if (!r2 || EncodeReport(*r2) != again) std::abort();
    (void)SignatureRawP384(*r);
    (void)r->Reported();
    (void)TcbToString(DecodeTcb(r->reported_tcb, Product::kTurin));
  }
  if (auto table = ParseCertTable(in)) {
    auto again = ParseCertTable(EncodeCertTable(*table));
    if (!again || again->size() != table->size()) std::abort();
  }
  return 0;
}
