// Crypto-agile TCG event log parser, replay and claims (TCG PC Client Platform Firmware Profile
// 1.05, §10.2 "Event Logging": TCG_PCR_EVENT, TCG_EfiSpecIDEvent, TCG_PCR_EVENT2).
#include "tee/eventlog/tcg_event_log.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>

#include "base/byte_reader.h"
#include "base/encoding.h"
#include "crypto/digest.h"

namespace cocoon::tee::eventlog {
namespace {

using base::ByteReader;

constexpr char kSpecIdSignature[] = "Spec ID Event03";  // 16 bytes with the NUL
constexpr char kStartupLocality[] = "StartupLocality";  // 16 bytes with the NUL

bool AllBytesAre(ByteSpan b, uint8_t v) {
  return std::all_of(b.begin(), b.end(), [v](uint8_t x) { return x == v; });
}

std::string EventField(size_t i, std::string_view f) {
  return "event " + std::to_string(i) + " " + std::string(f);
}

// The first record: TCG_PCR_EVENT (SHA-1 format) whose data is TCG_EfiSpecIDEvent.
Status ParseHeader(ByteReader& r, EventLog& log) {
  ASSIGN_OR_RETURN(uint32_t pcr, r.U32Le("header pcrIndex"));
  ASSIGN_OR_RETURN(uint32_t type, r.U32Le("header eventType"));
  // PCR 0 in a TPM log; a CC event log (CCEL) records its MR index (1) here.
  if (type != kEvNoAction) {
    return InvalidArgument("event log header is not an EV_NO_ACTION event (PCR " +
                           std::to_string(pcr) + ", type " + EventTypeName(type) +
                           "): not a crypto-agile log");
  }
  TRY(r.Skip(20, "header digest"));
  ASSIGN_OR_RETURN(uint32_t size, r.U32Le("header eventSize"));
  ASSIGN_OR_RETURN(ByteReader ev, r.Sub(size, "header event"));
  ASSIGN_OR_RETURN(ByteSpan sig, ev.Take(16, "TCG_EfiSpecIDEvent.signature"));
  if (std::memcmp(sig.data(), kSpecIdSignature, 16) != 0) {
    return InvalidArgument(
        "TCG_EfiSpecIDEvent.signature is not \"Spec ID Event03\": not a crypto-agile log");
  }
  TRY(ev.U32Le("TCG_EfiSpecIDEvent.platformClass"));
  ASSIGN_OR_RETURN(log.spec_version_minor, ev.U8("TCG_EfiSpecIDEvent.specVersionMinor"));
  ASSIGN_OR_RETURN(log.spec_version_major, ev.U8("TCG_EfiSpecIDEvent.specVersionMajor"));
  ASSIGN_OR_RETURN(log.spec_errata, ev.U8("TCG_EfiSpecIDEvent.specErrata"));
  TRY(ev.U8("TCG_EfiSpecIDEvent.uintnSize"));
  ASSIGN_OR_RETURN(uint32_t n, ev.U32Le("TCG_EfiSpecIDEvent.numberOfAlgorithms"));
  if (n == 0 || n > limits::kTpmEventLogAlgsMax) {
    return InvalidArgument("TCG_EfiSpecIDEvent.numberOfAlgorithms " + std::to_string(n) +
                           " is not in 1.." + std::to_string(limits::kTpmEventLogAlgsMax));
  }
  for (uint32_t i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(uint16_t alg, ev.U16Le("TCG_EfiSpecIDEvent.digestSizes.algorithmId"));
    ASSIGN_OR_RETURN(uint16_t dsize, ev.U16Le("TCG_EfiSpecIDEvent.digestSizes.digestSize"));
    if (dsize == 0 || dsize > limits::kTpmDigestMaxBytes) {
      return InvalidArgument("TCG_EfiSpecIDEvent.digestSizes: " + DigestAlgName(alg) + " size " +
                             std::to_string(dsize) + " is out of range");
    }
    auto known = DigestSize(alg);
    if (known && *known != dsize) {
      return InvalidArgument("TCG_EfiSpecIDEvent.digestSizes: " + DigestAlgName(alg) + " size " +
                             std::to_string(dsize) + ", expected " + std::to_string(*known));
    }
    for (const auto& [a, s] : log.algorithms) {
      if (a == alg) {
        return InvalidArgument("TCG_EfiSpecIDEvent lists " + DigestAlgName(alg) + " twice");
      }
    }
    log.algorithms.emplace_back(alg, dsize);
  }
  ASSIGN_OR_RETURN(uint8_t vendor, ev.U8("TCG_EfiSpecIDEvent.vendorInfoSize"));
  TRY(ev.Skip(vendor, "TCG_EfiSpecIDEvent.vendorInfo"));
  return ev.ExpectEnd("TCG_EfiSpecIDEvent");
}

Result<Event> ParseEvent2(ByteReader& r, const EventLog& log, size_t i) {
  Event e;
  ASSIGN_OR_RETURN(e.pcr, r.U32Le(EventField(i, "pcrIndex")));
  ASSIGN_OR_RETURN(e.type, r.U32Le(EventField(i, "eventType")));
  ASSIGN_OR_RETURN(uint32_t count, r.U32Le(EventField(i, "digests.count")));
  if (count == 0 || count > log.algorithms.size()) {
    return InvalidArgument(EventField(i, "digests.count ") + std::to_string(count) +
                           " is not in 1.." + std::to_string(log.algorithms.size()) +
                           " (the algorithms of the Spec ID event)");
  }
  for (uint32_t d = 0; d < count; ++d) {
    EventDigest dig;
    ASSIGN_OR_RETURN(dig.alg, r.U16Le(EventField(i, "digests.hashAlg")));
    auto it = std::find_if(log.algorithms.begin(), log.algorithms.end(),
                           [&](const auto& a) { return a.first == dig.alg; });
    if (it == log.algorithms.end()) {
      return InvalidArgument(EventField(i, "digests.hashAlg ") + DigestAlgName(dig.alg) +
                             " is not in the Spec ID event");
    }
    ASSIGN_OR_RETURN(ByteSpan b, r.Take(it->second, EventField(i, "digests.digest")));
    dig.digest.assign(b.begin(), b.end());
    e.digests.push_back(std::move(dig));
  }
  ASSIGN_OR_RETURN(uint32_t size, r.U32Le(EventField(i, "eventSize")));
  if (size > kEventMaxBytes) {
    return ResourceExhausted(EventField(i, "eventSize ") + std::to_string(size) +
                             " exceeds the limit of " + std::to_string(kEventMaxBytes));
  }
  e.data_offset = r.offset();
  ASSIGN_OR_RETURN(ByteSpan data, r.Take(size, EventField(i, "event")));
  e.data.assign(data.begin(), data.end());
  return e;
}

}  // namespace

Result<EventLog> ParseEventLog(ByteSpan data) {
  if (data.size() > kEventLogMaxBytes) {
    return ResourceExhausted("event log of " + std::to_string(data.size()) +
                             " bytes exceeds the limit of " + std::to_string(kEventLogMaxBytes));
  }
  ByteReader r(data);
  EventLog log;
  TRY(ParseHeader(r, log));
  while (!r.empty()) {
    ByteSpan rest = data.subspan(r.offset());
    if (AllBytesAre(rest, 0xFF) || AllBytesAre(rest, 0x00)) break;  // padding of a fixed area
    if (log.events.size() == kEventLogMaxEvents) {
      return ResourceExhausted("event log has more than " + std::to_string(kEventLogMaxEvents) +
                               " events");
    }
    ASSIGN_OR_RETURN(Event e, ParseEvent2(r, log, log.events.size()));
    log.events.push_back(std::move(e));
  }
  return log;
}

std::string EventTypeName(uint32_t type) {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {0x00000000, "EV_PREBOOT_CERT"},
      {0x00000001, "EV_POST_CODE"},
      {0x00000002, "EV_UNUSED"},
      {0x00000003, "EV_NO_ACTION"},
      {0x00000004, "EV_SEPARATOR"},
      {0x00000005, "EV_ACTION"},
      {0x00000006, "EV_EVENT_TAG"},
      {0x00000007, "EV_S_CRTM_CONTENTS"},
      {0x00000008, "EV_S_CRTM_VERSION"},
      {0x00000009, "EV_CPU_MICROCODE"},
      {0x0000000A, "EV_PLATFORM_CONFIG_FLAGS"},
      {0x0000000B, "EV_TABLE_OF_DEVICES"},
      {0x0000000C, "EV_COMPACT_HASH"},
      {0x0000000D, "EV_IPL"},
      {0x0000000E, "EV_IPL_PARTITION_DATA"},
      {0x0000000F, "EV_NONHOST_CODE"},
      {0x00000010, "EV_NONHOST_CONFIG"},
      {0x00000011, "EV_NONHOST_INFO"},
      {0x00000012, "EV_OMIT_BOOT_DEVICE_EVENTS"},
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
  for (const auto& [v, n] : kNames) {
    if (v == type) return n;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "UNKNOWN_%08X", type);
  return buf;
}

std::optional<size_t> DigestSize(uint16_t alg) {
  switch (alg) {
    case kAlgSha1:
      return 20;
    case kAlgSha256:
    case kAlgSm3:
      return 32;
    case kAlgSha384:
      return 48;
    case kAlgSha512:
      return 64;
    default:
      return std::nullopt;
  }
}

std::optional<crypto::HashAlg> ReplayHash(uint16_t alg) {
  switch (alg) {
    case kAlgSha256:
      return crypto::HashAlg::kSha256;
    case kAlgSha384:
      return crypto::HashAlg::kSha384;
    case kAlgSha512:
      return crypto::HashAlg::kSha512;
    default:
      return std::nullopt;
  }
}

std::string DigestAlgName(uint16_t alg) {
  switch (alg) {
    case kAlgSha1:
      return "SHA-1";
    case kAlgSha256:
      return "SHA-256";
    case kAlgSha384:
      return "SHA-384";
    case kAlgSha512:
      return "SHA-512";
    case kAlgSm3:
      return "SM3";
    default:
      return "alg-" + std::to_string(alg);
  }
}

Result<std::map<uint32_t, Bytes>> Replay(const EventLog& log, uint16_t alg) {
  std::optional<crypto::HashAlg> h = ReplayHash(alg);
  if (!h) {
    return InvalidArgument("event log replay bank " + DigestAlgName(alg) +
                           " is not supported (SHA-256, SHA-384, SHA-512)");
  }
  bool listed = std::any_of(log.algorithms.begin(), log.algorithms.end(),
                            [&](const auto& a) { return a.first == alg; });
  if (!listed) return InvalidArgument("event log has no " + DigestAlgName(alg) + " digests");
  size_t n = crypto::DigestSize(*h);
  std::map<uint32_t, Bytes> regs;
  for (const Event& e : log.events) {
    if (e.type == kEvNoAction) {
      // H-CRTM / locality-3 start: PCR 0 starts at 0…0 || locality (PFP §10.4.5.3).
      if (e.pcr == 0 && e.data.size() >= 17 &&
          std::memcmp(e.data.data(), kStartupLocality, 16) == 0 && !regs.contains(0)) {
        Bytes init(n, 0);
        init.back() = e.data[16];
        regs[0] = std::move(init);
      }
      continue;
    }
    for (const EventDigest& d : e.digests) {
      if (d.alg != alg) continue;
      auto [it, inserted] = regs.try_emplace(e.pcr, Bytes(n, 0));
      Bytes buf = it->second;
      buf.insert(buf.end(), d.digest.begin(), d.digest.end());
      it->second = crypto::Digest(*h, buf);
    }
  }
  return regs;
}

namespace {

// One `uefi_event_logs` entry with the digests `keep` selects; nullopt if it selects none.
std::optional<Json> EventClaim(const Event& e, const std::function<bool(uint16_t)>& keep) {
  Json digests = Json::array();
  bool matches = false;
  for (const EventDigest& d : e.digests) {
    if (!keep(d.alg)) continue;
    digests.push_back({{"alg", DigestAlgName(d.alg)}, {"digest", base::HexEncode(d.digest)}});
    if (d.alg == kAlgSha384) matches = crypto::Sha384(e.data) == d.digest;
    if (d.alg == kAlgSha256) matches = crypto::Sha256(e.data) == d.digest;
  }
  if (digests.empty() && !e.digests.empty()) return std::nullopt;
  return Json{{"index", e.pcr},
              {"type_name", EventTypeName(e.type)},
              {"digests", std::move(digests)},
              {"event", base::Base64Encode(e.data)},
              {"digest_matches_event", matches},
              {"details", Json::object()}};
}

}  // namespace

Json EventLogClaims(const EventLog& log) {
  Json out = Json::array();
  for (const Event& e : log.events) out.push_back(*EventClaim(e, [](uint16_t) { return true; }));
  return out;
}

Json VerifiedEventLogClaims(const EventLog& log, const VerifiedRegister& verified) {
  Json out = Json::array();
  for (const Event& e : log.events) {
    if (e.type == kEvNoAction || e.digests.empty()) continue;
    auto claim = EventClaim(e, [&](uint16_t alg) { return verified(e.pcr, alg); });
    if (claim) out.push_back(std::move(*claim));
  }
  return out;
}

}  // namespace cocoon::tee::eventlog
