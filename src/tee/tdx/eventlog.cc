// RTMR replay of the CCEL (CC MR index i+1 extends RTMR[i]).
#include "tee/tdx/eventlog.h"

namespace cocoon::tee::tdx {

std::array<Bytes, 4> ReplayRtmrs(const EventLog& log) {
  std::array<Bytes, 4> rtmr;
  for (Bytes& b : rtmr) b.assign(48, 0);
  auto regs = eventlog::Replay(log, eventlog::kAlgSha384);
  if (!regs) return rtmr;  // no SHA-384 digests: nothing extended
  for (uint32_t i = 0; i < rtmr.size(); ++i) {
    auto it = regs->find(i + 1);
    if (it != regs->end()) rtmr[i] = it->second;
  }
  return rtmr;
}

Json VerifiedRtmrEventClaims(const EventLog& log) {
  return eventlog::VerifiedEventLogClaims(log, [](uint32_t index, uint16_t alg) {
    return alg == eventlog::kAlgSha384 && index >= 1 && index <= 4;
  });
}

}  // namespace cocoon::tee::tdx
