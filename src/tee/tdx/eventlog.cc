// TCG2 crypto-agile event log parser and RTMR replay.
#include "tee/tdx/eventlog.h"

#include <map>

#include "base/byte_reader.h"
#include "base/encoding.h"
#include "crypto/digest.h"

namespace cocoon::tee::tdx {
namespace {

using base::ByteReader;

constexpr uint32_t kEvNoAction = 0x3;
constexpr uint16_t kAlgSha384 = 0x0C;

std::string At(size_t i, std::string_view field) {
  return "event log: event " + std::to_string(i) + " " + std::string(field);
}

// The first event is a TCG_PCClientPCREvent (SHA-1 format) carrying TCG_EfiSpecIDEvent.
Status ParseSpecId(ByteReader& r, EventLog& log) {
  TRY(r.Skip(4, "event log: spec id pcr_index"));
  ASSIGN_OR_RETURN(uint32_t type, r.U32Le("event log: spec id event_type"));
  if (type != kEvNoAction) return InvalidArgument("event log: first event is not EV_NO_ACTION");
  TRY(r.Skip(20, "event log: spec id digest"));
  ASSIGN_OR_RETURN(uint32_t size, r.U32Le("event log: spec id event_size"));
  ASSIGN_OR_RETURN(ByteReader spec, r.Sub(size, "event log: spec id event"));
  ASSIGN_OR_RETURN(ByteSpan sig, spec.Take(16, "event log: spec id signature"));
  if (AsString(sig).substr(0, 15) != "Spec ID Event03") {
    return InvalidArgument("event log: not a crypto-agile log (no 'Spec ID Event03')");
  }
  TRY(spec.Skip(8, "event log: spec id platform/version"));
  ASSIGN_OR_RETURN(uint32_t n, spec.U32Le("event log: spec id algorithm count"));
  if (n == 0 || n > 16)
    return InvalidArgument("event log: spec id algorithm count " + std::to_string(n));
  for (uint32_t i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(uint16_t alg, spec.U16Le("event log: spec id algorithm"));
    ASSIGN_OR_RETURN(uint16_t sz, spec.U16Le("event log: spec id digest size"));
    if (sz == 0 || sz > 64)
      return InvalidArgument("event log: spec id digest size " + std::to_string(sz));
    log.algorithms.emplace_back(alg, sz);
  }
  return Ok();
}

Result<uint16_t> DigestSize(const EventLog& log, uint16_t alg, size_t i) {
  for (auto [a, s] : log.algorithms) {
    if (a == alg) return s;
  }
  return InvalidArgument(
      At(i, "digest algorithm " + std::to_string(alg) + " not in the spec id event"));
}

Result<LogEvent> ParseEvent(ByteReader& r, const EventLog& log, size_t i) {
  LogEvent e;
  ASSIGN_OR_RETURN(e.mr_index, r.U32Le(At(i, "mr_index")));
  ASSIGN_OR_RETURN(e.type, r.U32Le(At(i, "event_type")));
  ASSIGN_OR_RETURN(uint32_t count, r.U32Le(At(i, "digest_count")));
  if (count == 0 || count > log.algorithms.size()) {
    return InvalidArgument(At(i, "digest_count " + std::to_string(count)));
  }
  for (uint32_t d = 0; d < count; ++d) {
    EventDigest dg;
    ASSIGN_OR_RETURN(dg.alg, r.U16Le(At(i, "digest alg")));
    ASSIGN_OR_RETURN(uint16_t size, DigestSize(log, dg.alg, i));
    ASSIGN_OR_RETURN(ByteSpan v, r.Take(size, At(i, "digest")));
    dg.digest.assign(v.begin(), v.end());
    e.digests.push_back(std::move(dg));
  }
  ASSIGN_OR_RETURN(uint32_t size, r.U32Le(At(i, "event_size")));
  if (size > kEventMaxBytes) return ResourceExhausted(At(i, "event_size too large"));
  ASSIGN_OR_RETURN(e.data, r.Take(size, At(i, "event data")));
  return e;
}

}  // namespace

Result<EventLog> ParseEventLog(ByteSpan bytes) {
  if (bytes.size() > kEventLogMaxBytes) return ResourceExhausted("event log too large");
  ByteReader r(bytes);
  EventLog log;
  TRY(ParseSpecId(r, log));
  while (r.remaining() >= 8) {
    ByteSpan rest = bytes.subspan(r.offset());
    uint32_t mr = rest[0] | (rest[1] << 8) | (rest[2] << 16) | (uint32_t{rest[3]} << 24);
    if (mr == 0xFFFFFFFF) break;
    bool zero = rest.size() >= 12;
    for (size_t k = 0; k < 12 && k < rest.size(); ++k) zero = zero && rest[k] == 0;
    if (zero) break;
    if (log.events.size() >= kEventLogMaxEvents)
      return ResourceExhausted("event log: too many events");
    ASSIGN_OR_RETURN(LogEvent e, ParseEvent(r, log, log.events.size()));
    log.events.push_back(e);
  }
  return log;
}

std::array<Bytes, 4> ReplayRtmrs(const EventLog& log) {
  std::array<Bytes, 4> rtmr;
  for (Bytes& b : rtmr) b.assign(48, 0);
  for (const LogEvent& e : log.events) {
    if (e.type == kEvNoAction || e.mr_index < 1 || e.mr_index > 4) continue;
    for (const EventDigest& d : e.digests) {
      if (d.alg != kAlgSha384) continue;
      Bytes& reg = rtmr[e.mr_index - 1];
      Bytes buf = reg;
      buf.insert(buf.end(), d.digest.begin(), d.digest.end());
      reg = crypto::Sha384(buf);
    }
  }
  return rtmr;
}

std::string EventTypeName(uint32_t type) {
  static const std::map<uint32_t, const char*> kNames = {
      {0x0, "EV_PREBOOT_CERT"},
      {0x1, "EV_POST_CODE"},
      {0x2, "EV_UNUSED"},
      {0x3, "EV_NO_ACTION"},
      {0x4, "EV_SEPARATOR"},
      {0x5, "EV_ACTION"},
      {0x6, "EV_EVENT_TAG"},
      {0x7, "EV_S_CRTM_CONTENTS"},
      {0x8, "EV_S_CRTM_VERSION"},
      {0x9, "EV_CPU_MICROCODE"},
      {0xA, "EV_PLATFORM_CONFIG_FLAGS"},
      {0xB, "EV_TABLE_OF_DEVICES"},
      {0xC, "EV_COMPACT_HASH"},
      {0xD, "EV_IPL"},
      {0xE, "EV_IPL_PARTITION_DATA"},
      {0xF, "EV_NONHOST_CODE"},
      {0x10, "EV_NONHOST_CONFIG"},
      {0x11, "EV_NONHOST_INFO"},
      {0x12, "EV_OMIT_BOOT_DEVICE_EVENTS"},
      {0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG"},
      {0x80000002, "EV_EFI_VARIABLE_BOOT"},
      {0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION"},
      {0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER"},
      {0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER"},
      {0x80000006, "EV_EFI_GPT_EVENT"},
      {0x80000007, "EV_EFI_ACTION"},
      {0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
      {0x80000009, "EV_EFI_HANDOFF_TABLES"},
      {0x8000000A, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
      {0x8000000B, "EV_EFI_HANDOFF_TABLES2"},
      {0x8000000C, "EV_EFI_VARIABLE_BOOT2"},
      {0x80000010, "EV_EFI_HCRTM_EVENT"},
      {0x800000E0, "EV_EFI_VARIABLE_AUTHORITY"},
      {0x800000E1, "EV_EFI_SPDM_FIRMWARE_BLOB"},
      {0x800000E2, "EV_EFI_SPDM_FIRMWARE_CONFIG"},
  };
  auto it = kNames.find(type);
  if (it != kNames.end()) return it->second;
  char buf[32];
  std::snprintf(buf, sizeof buf, "UNKNOWN_%08X", type);
  return buf;
}

std::string DigestAlgName(uint16_t alg) {
  switch (alg) {
    case 0x04:
      return "SHA-1";
    case 0x0B:
      return "SHA-256";
    case 0x0C:
      return "SHA-384";
    case 0x0D:
      return "SHA-512";
    case 0x12:
      return "SM3";
    default:
      return "alg-" + std::to_string(alg);
  }
}

Json EventLogClaims(const EventLog& log) {
  Json out = Json::array();
  for (const LogEvent& e : log.events) {
    Json digests = Json::array();
    bool matches = false;
    for (const EventDigest& d : e.digests) {
      digests.push_back({{"alg", DigestAlgName(d.alg)}, {"digest", base::HexEncode(d.digest)}});
      if (d.alg == kAlgSha384) matches = crypto::Sha384(e.data) == d.digest;
      if (d.alg == 0x0B) matches = crypto::Sha256(e.data) == d.digest;
    }
    out.push_back({{"index", e.mr_index},
                   {"type_name", EventTypeName(e.type)},
                   {"digests", std::move(digests)},
                   {"event", base::Base64Encode(e.data)},
                   {"digest_matches_event", matches},
                   {"details", Json::object()}});
  }
  return out;
}

}  // namespace cocoon::tee::tdx
