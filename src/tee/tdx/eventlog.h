// The confidential-computing event log (CCEL, UEFI "CC Event Log" ACPI area) in TCG2
// crypto-agile format, optionally with the attestation agent's AAEL events appended. Parsed by
// the shared TCG event-log parser (tee/eventlog); this adds the TDX mapping of CC MR indexes to
// RTMRs. Untrusted until the replay equals the quote's RTMRs.
#pragma once

#include <array>

#include "base/bytes.h"
#include "tee/eventlog/tcg_event_log.h"

namespace cocoon::tee::tdx {

using eventlog::EventDigest;
using eventlog::EventLog;
using eventlog::EventLogClaims;
using eventlog::EventTypeName;
using eventlog::DigestAlgName;
using eventlog::kEventLogMaxBytes;
using eventlog::kEventLogMaxEvents;
using eventlog::kEventMaxBytes;
using eventlog::ParseEventLog;
using LogEvent = eventlog::Event;  // pcr is the CC MR index: 0 = MRTD, 1..4 = RTMR0..3

// RTMR0..3 = the SHA-384 replay of CC MR indexes 1..4 (all-zero for an index the log does not
// extend, or a log without SHA-384 digests).
std::array<Bytes, 4> ReplayRtmrs(const EventLog& log);

}  // namespace cocoon::tee::tdx
