// The confidential-computing event log (CCEL, UEFI "CC Event Log" ACPI area) in TCG2
// crypto-agile format (TCG PC Client Platform Firmware Profile §10.2), optionally with the
// attestation agent's AAEL events appended. Parsing and RTMR replay; untrusted until the replay
// equals the quote's RTMRs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"

namespace cocoon::tee::tdx {

inline constexpr size_t kEventLogMaxBytes = 16 * 1024 * 1024;
inline constexpr size_t kEventLogMaxEvents = 100'000;
inline constexpr size_t kEventMaxBytes = 4 * 1024 * 1024;

struct EventDigest {
  uint16_t alg = 0;
  Bytes digest;
};

struct LogEvent {
  uint32_t mr_index = 0;  // CC MR index: 0 = MRTD, 1..4 = RTMR0..3
  uint32_t type = 0;
  std::vector<EventDigest> digests;
  ByteSpan data;  // view into the log buffer
};

struct EventLog {
  std::vector<std::pair<uint16_t, uint16_t>> algorithms;  // (alg id, digest size) from Spec ID
  std::vector<LogEvent> events;                           // without the Spec ID header event
};

// Parses the log; stops at a 0xFFFFFFFF MR index, an all-zero header or the end of the buffer.
// InvalidArgument naming the event index and field for anything malformed.
Result<EventLog> ParseEventLog(ByteSpan bytes);

// SHA-384 replay of MR indexes 1..4 into RTMR0..3 (EV_NO_ACTION events are not extended).
std::array<Bytes, 4> ReplayRtmrs(const EventLog& log);

std::string EventTypeName(uint32_t type);
std::string DigestAlgName(uint16_t alg);  // "SHA-384", "SHA-256", "SM3", …

// Trustee's `uefi_event_logs` entries: index, type_name, digests [{alg, digest hex}], event
// (std base64), digest_matches_event, details (decoded only for plain-text events).
Json EventLogClaims(const EventLog& log);

}  // namespace cocoon::tee::tdx
