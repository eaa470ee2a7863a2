// The GHCB certificate table the host hands the guest (GHCB spec 2.0, "SNP Extended Guest
// Request", certificate table): entries {GUID[16] (string byte order), offset u32, length u32}
// ended by an all-zero entry; offsets are from the table start. Comes from the untrusted host.
#pragma once

#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "tee/snp/evidence.h"

namespace cocoon::tee::snp {

inline constexpr std::string_view kGuidVcek = "63da758d-e664-4564-adc5-f4b93be8accd";
inline constexpr std::string_view kGuidVlek = "a8074bc2-a25a-483e-aae6-39c045a0b8a1";
inline constexpr std::string_view kGuidAsk = "4ab7b379-bbac-4fe4-a02f-05aef327c782";
inline constexpr std::string_view kGuidArk = "c0b406a4-a803-4952-9743-3fb6014cd0ae";
inline constexpr std::string_view kGuidCrl = "92f81bc3-5811-4d3d-97ff-d19f88dc67ea";

// Entries as evidence cert_chain entries ("VCEK", "ASK", … or the GUID for others). An empty
// (or all-zero) table gives no entries. InvalidArgument naming the entry on bad bounds;
// ResourceExhausted past limits::kSnpCertChainMaxEntries or kSnpCertTableMaxBytes.
Result<std::vector<CertEntry>> ParseCertTable(ByteSpan table);
// The inverse (for tests and tools).
Bytes EncodeCertTable(const std::vector<CertEntry>& entries);

}  // namespace cocoon::tee::snp
