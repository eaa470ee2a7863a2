// Fuzz target: the SNP evidence JSON (guest-components / Trustee format). What parses must
// serialise back to JSON that parses to the same report bytes and certificates.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "base/json.h"
#include "tee/snp/evidence.h"

using namespace cocoon::tee::snp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = cocoon::base::ParseJson(cocoon::ByteSpan(data, size));
  if (!json) return 0;
  auto ev = ParseEvidence(*json);
  if (!ev) return 0;
  auto again = ParseEvidence(EvidenceToJson(ev->report, ev->certs));
  if (!again || again->report_bytes != ev->report_bytes ||
      again->certs.size() != ev->certs.size()) {
    std::abort();
  }
  return 0;
}
