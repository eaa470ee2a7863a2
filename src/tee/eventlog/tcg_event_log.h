// TCG PC Client Platform Firmware Profile crypto-agile event log (§10.2 "Event Logging"), the
// one parser behind both the TPM log (/sys/kernel/security/tpm0/binary_bios_measurements) and
// the confidential-computing event log (CCEL, UEFI "CC Event Log" ACPI area, optionally with
// the attestation agent's AAEL events appended): a TCG_PCR_EVENT header carrying the
// "Spec ID Event03" (TCG_EfiSpecIDEvent), then TCG_PCR_EVENT2 records with TPML_DIGEST_VALUES.
// Little-endian. Trusts nothing: the log is only believed after its replay matches registers a
// verifier trusts (TPM PCRs in tee/tpm, TDX RTMRs in tee/tdx).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"
#include "base/limits.h"
#include "crypto/digest.h"

namespace cocoon::tee::eventlog {

inline constexpr size_t kEventLogMaxBytes = limits::kTpmEventLogMaxBytes;
inline constexpr size_t kEventLogMaxEvents = limits::kTpmEventLogMaxEvents;
inline constexpr size_t kEventMaxBytes = limits::kTpmEventMaxBytes;  // one event's data

inline constexpr uint32_t kEvNoAction = 0x00000003;

// TCG algorithm registry ids (= TPM_ALG_ID) of the digests an event log carries.
inline constexpr uint16_t kAlgSha1 = 0x0004;
inline constexpr uint16_t kAlgSha256 = 0x000B;
inline constexpr uint16_t kAlgSha384 = 0x000C;
inline constexpr uint16_t kAlgSha512 = 0x000D;
inline constexpr uint16_t kAlgSm3 = 0x0012;

struct EventDigest {
  uint16_t alg = 0;  // TPM_ALG_ID
  Bytes digest;
};

struct Event {
  uint32_t pcr = 0;  // pcrIndex; the CC MR index in a CCEL (0 = MRTD, 1..4 = RTMR0..3)
  uint32_t type = 0;
  std::vector<EventDigest> digests;
  Bytes data;
  size_t data_offset = 0;  // where `data` starts in the parsed buffer
};

struct EventLog {
  // Spec ID event: digest sizes by algorithm, in the order the header lists them.
  std::vector<std::pair<uint16_t, uint16_t>> algorithms;
  uint8_t spec_version_major = 0, spec_version_minor = 0, spec_errata = 0;
  std::vector<Event> events;  // TCG_PCR_EVENT2 records (the header is not included)
};

// Parses a crypto-agile log. Trailing padding (all 0xFF or all 0x00 from a record boundary) ends
// the log. InvalidArgument naming the event (0-based index into `events`) and field on malformed
// input; ResourceExhausted past kEventLogMaxBytes, kEventLogMaxEvents or kEventMaxBytes.
Result<EventLog> ParseEventLog(ByteSpan data);

// "EV_POST_CODE" etc.; "UNKNOWN_%08X" for unknown types.
std::string EventTypeName(uint32_t type);
// "SHA-384", "SHA-256", "SM3", …; "alg-<n>" for others.
std::string DigestAlgName(uint16_t alg);

// Digest size of SHA-1, SHA-256/384/512 and SM3; nullopt for other algorithms.
std::optional<size_t> DigestSize(uint16_t alg);
// The crypto hash of SHA-256/384/512 (the banks a log can be replayed into); nullopt for others.
std::optional<crypto::HashAlg> ReplayHash(uint16_t alg);

// Replays the log into one bank: register[i] = H(register[i] || digest) for each event digest of
// `alg` (SHA-256/384/512) whose event is not EV_NO_ACTION; a StartupLocality EV_NO_ACTION event
// in PCR 0 sets PCR 0's initial value. Only registers the log extends appear in the result.
// InvalidArgument if `alg` is not in the log or not supported.
Result<std::map<uint32_t, Bytes>> Replay(const EventLog& log, uint16_t alg);

// Trustee's `uefi_event_logs` entries: index, type_name, digests [{alg, digest hex}], event
// (std base64), digest_matches_event, details.
Json EventLogClaims(const EventLog& log);

// Whether the verifier replayed register `index` in bank `alg` and found it equal to a register
// it trusts (a quoted PCR, a quoted RTMR).
using VerifiedRegister = std::function<bool(uint32_t index, uint16_t alg)>;

// The claims a verifier may report: EventLogClaims restricted to what the replay proved. An event
// appears only if its register is verified in at least one bank, carrying only the digests of
// verified banks; EV_NO_ACTION events (never extended into anything) are left out. An event for
// an unquoted register, or a digest in a bank nobody replayed, is unverified input and so never
// reaches a policy.
Json VerifiedEventLogClaims(const EventLog& log, const VerifiedRegister& verified);

}  // namespace cocoon::tee::eventlog
