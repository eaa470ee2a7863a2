// Fuzz target: CCEL / TCG2 crypto-agile event log parser, RTMR replay and claims.
#include <cstddef>
#include <cstdint>

#include "tee/tdx/eventlog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cocoon::tee::tdx;
  auto log = ParseEventLog(cocoon::ByteSpan(data, size));
  if (!log) return 0;
  (void)ReplayRtmrs(*log);
  (void)EventLogClaims(*log);
  return 0;
}
