// The AMD extensions of a VCEK/VLEK certificate (AMD "Versioned Chip/Loaded Endorsement Key
// Certificate" spec, Table 8): SPLs, hwID, productName, cspID. Parsed from the raw extension
// values with a bounds-checked DER reader; the certificate signature is checked elsewhere.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/x509.h"
#include "tee/snp/report.h"

namespace cocoon::tee::snp {

inline constexpr char kOidStructVersion[] = "1.3.6.1.4.1.3704.1.1";
inline constexpr char kOidProductName[] = "1.3.6.1.4.1.3704.1.2";
inline constexpr char kOidBlSpl[] = "1.3.6.1.4.1.3704.1.3.1";
inline constexpr char kOidTeeSpl[] = "1.3.6.1.4.1.3704.1.3.2";
inline constexpr char kOidSnpSpl[] = "1.3.6.1.4.1.3704.1.3.3";
inline constexpr char kOidUcodeSpl[] = "1.3.6.1.4.1.3704.1.3.8";
inline constexpr char kOidFmcSpl[] = "1.3.6.1.4.1.3704.1.3.9";
inline constexpr char kOidHwId[] = "1.3.6.1.4.1.3704.1.4";
inline constexpr char kOidCspId[] = "1.3.6.1.4.1.3704.1.5";

enum class VekKind { kVcek, kVlek };
std::string_view VekKindName(VekKind k);  // "VCEK", "VLEK"

struct VekInfo {
  VekKind kind = VekKind::kVcek;
  std::string common_name;            // "SEV-VCEK" / "SEV-VLEK"
  std::string product_name;           // productName extension, e.g. "Milan-B0" (may be empty)
  Tcb tcb;                            // blSPL, teeSPL, snpSPL, ucodeSPL, fmcSPL (Turin)
  std::optional<Bytes> hw_id;         // VCEK only: 64 bytes (8 on Turin)
  std::optional<std::string> csp_id;  // VLEK only
};

// DER INTEGER (tag 0x02) holding 0..255, the whole input. InvalidArgument naming `what`.
Result<uint8_t> ParseDerSpl(ByteSpan value, std::string_view what);
// hwID in either encoding: raw bytes (8 or 64, legacy) or a DER OCTET STRING around them.
Result<Bytes> ParseHwId(ByteSpan value);
// DER IA5String/UTF8String/PrintableString (productName, cspID) → its text.
Result<std::string> ParseDerString(ByteSpan value, std::string_view what);

// Kind from the subject CN ("SEV-VCEK"/"VCEK" or "SEV-VLEK"/"VLEK"); the SPL extensions must be
// present (fmcSPL only when the product is Turin). InvalidArgument naming the extension.
Result<VekInfo> ParseVek(const crypto::Certificate& cert);

}  // namespace cocoon::tee::snp
