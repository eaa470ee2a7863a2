// TCG PC Client Platform Firmware Profile crypto-agile event log (as in
// /sys/kernel/security/tpm0/binary_bios_measurements, or an ACPI TPM2/CCEL area): a
// TCG_PCR_EVENT header carrying the "Spec ID Event03" (TCG_EfiSpecIDEvent), then
// TCG_PCR_EVENT2 records with TPML_DIGEST_VALUES. Little-endian. Trusts nothing: the log is
// only believed after its replay matches registers a verifier trusts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"

namespace cocoon::tee::tpm {

inline constexpr uint32_t kEvNoAction = 0x00000003;

struct EventDigest {
  uint16_t alg = 0;  // TPM_ALG_ID
  Bytes digest;
};

struct Event {
  uint32_t pcr = 0;  // pcrIndex (the MR index for a CC event log)
  uint32_t type = 0;
  std::vector<EventDigest> digests;
  Bytes data;
};

struct EventLog {
  // Spec ID event: digest sizes by algorithm, in the order the header lists them.
  std::vector<std::pair<uint16_t, uint16_t>> algorithms;
  uint8_t spec_version_major = 0, spec_version_minor = 0, spec_errata = 0;
  std::vector<Event> events;  // TCG_PCR_EVENT2 records (the header is not included)
};

// Parses a crypto-agile log. Trailing padding (all 0xFF or all 0x00 from a record boundary) ends
// the log. InvalidArgument naming the event and field on malformed input;
// ResourceExhausted past the limits of base/limits.h (kTpmEventLog*).
Result<EventLog> ParseEventLog(ByteSpan data);

// "EV_POST_CODE" etc.; "0x%08x" for unknown types.
std::string EventTypeName(uint32_t type);

// Replays the log into one bank: register[i] = H(register[i] || digest) for each event of
// `alg` (SHA-256/384/512) that is not EV_NO_ACTION; a StartupLocality EV_NO_ACTION event in
// PCR 0 sets PCR 0's initial value. Only registers the log extends appear in the result.
// InvalidArgument if `alg` is not in the log or not supported.
Result<std::map<uint32_t, Bytes>> Replay(const EventLog& log, uint16_t alg);

// Claims in Trustee's `uefi_event_logs` shape: [{"index","type_name","digests":[{"alg",
// "digest"}],"event":"<std base64>"}].
Json EventLogClaims(const EventLog& log);

}  // namespace cocoon::tee::tpm
