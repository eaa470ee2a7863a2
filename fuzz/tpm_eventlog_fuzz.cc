// Fuzz target: the crypto-agile TCG event log parser, replay into every listed bank, and claims.
#include <cstddef>
#include <cstdint>

#include "tee/tpm/event_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cocoon::tee::tpm;
  auto log = ParseEventLog(cocoon::ByteSpan(data, size));
  if (!log) return 0;
  for (const auto& [alg, dsize] : log->algorithms) (void)Replay(*log, alg);
  (void)EventLogClaims(*log);
  return 0;
}
