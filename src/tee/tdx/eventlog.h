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

// The `uefi_event_logs` claims of a log whose replay matched the quote's RTMRs: events of CC MR
// indexes 1..4 with their SHA-384 digests only. MRTD (index 0) is not replayed from the log, nor
// is any other bank, so events and digests there prove nothing and are left out.
Json VerifiedRtmrEventClaims(const EventLog& log);

}  // namespace cocoon::tee::tdx
