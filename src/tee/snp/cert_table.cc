// GHCB certificate table (bounds-checked; offsets and lengths are host-controlled).
#include "tee/snp/cert_table.h"

#include <algorithm>
#include <cstdio>

#include "base/byte_reader.h"
#include "base/limits.h"
#include "tee/snp/internal/le.h"

namespace cocoon::tee::snp {
namespace {

constexpr size_t kEntrySize = 24;

std::string GuidText(ByteSpan g) {
  char buf[37];
  std::snprintf(buf, sizeof(buf),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[0], g[1],
                g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14],
                g[15]);
  return buf;
}

Bytes GuidBytes(std::string_view text) {
  Bytes out;
  for (size_t i = 0; i + 1 < text.size() && out.size() < 16;) {
    if (text[i] == '-') {
      ++i;
      continue;
    }
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return 0;
    };
    out.push_back(static_cast<uint8_t>(nib(text[i]) << 4 | nib(text[i + 1])));
    i += 2;
  }
  out.resize(16, 0);
  return out;
}

std::string TypeOf(const std::string& guid) {
  if (guid == kGuidVcek) return "VCEK";
  if (guid == kGuidVlek) return "VLEK";
  if (guid == kGuidAsk) return "ASK";
  if (guid == kGuidArk) return "ARK";
  if (guid == kGuidCrl) return "CRL";
  return guid;
}

std::string_view GuidOf(const std::string& type) {
  if (type == "VCEK") return kGuidVcek;
  if (type == "VLEK") return kGuidVlek;
  if (type == "ASK") return kGuidAsk;
  if (type == "ARK") return kGuidArk;
  if (type == "CRL") return kGuidCrl;
  return type;
}

}  // namespace

Result<std::vector<CertEntry>> ParseCertTable(ByteSpan table) {
  if (table.size() > limits::kSnpCertTableMaxBytes) {
    return ResourceExhausted("SNP certificate table: " + std::to_string(table.size()) +
                             " bytes, limit " + std::to_string(limits::kSnpCertTableMaxBytes));
  }
  std::vector<CertEntry> out;
  if (std::all_of(table.begin(), table.end(), [](uint8_t b) { return b == 0; })) return out;
  base::ByteReader r(table);
  for (size_t i = 0;; ++i) {
    std::string what = "SNP certificate table entry " + std::to_string(i);
    ASSIGN_OR_RETURN(ByteSpan guid, r.Take(16, what));
    ASSIGN_OR_RETURN(uint32_t offset, r.U32Le(what));
    ASSIGN_OR_RETURN(uint32_t length, r.U32Le(what));
    bool zero = std::all_of(guid.begin(), guid.end(), [](uint8_t b) { return b == 0; });
    if (zero && offset == 0 && length == 0) break;
    if (out.size() == limits::kSnpCertChainMaxEntries) {
      return ResourceExhausted("SNP certificate table: more than " +
                               std::to_string(limits::kSnpCertChainMaxEntries) + " entries");
    }
    if (offset > table.size() || length > table.size() - offset) {
      return InvalidArgument(what + ": offset " + std::to_string(offset) + " + length " +
                             std::to_string(length) + " beyond the table (" +
                             std::to_string(table.size()) + " bytes)");
    }
    if (length > limits::kSnpCertMaxBytes) {
      return ResourceExhausted(what + ": certificate of " + std::to_string(length) + " bytes");
    }
    ByteSpan data = table.subspan(offset, length);
    out.push_back({TypeOf(GuidText(guid)), Bytes(data.begin(), data.end())});
  }
  return out;
}

Bytes EncodeCertTable(const std::vector<CertEntry>& entries) {
  size_t header = kEntrySize * (entries.size() + 1);
  Bytes out(header, 0);
  for (size_t i = 0; i < entries.size(); ++i) {
    Bytes guid = GuidBytes(GuidOf(entries[i].type));
    std::copy(guid.begin(), guid.end(), out.begin() + static_cast<ptrdiff_t>(i * kEntrySize));
    uint32_t offset = static_cast<uint32_t>(out.size());
    uint32_t length = static_cast<uint32_t>(entries[i].data.size());
    internal::PutU32Le(out.data() + i * kEntrySize + 16, offset);
    internal::PutU32Le(out.data() + i * kEntrySize + 20, length);
    out.insert(out.end(), entries[i].data.begin(), entries[i].data.end());
  }
  return out;
}

}  // namespace cocoon::tee::snp
