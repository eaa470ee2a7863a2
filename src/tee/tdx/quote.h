// Intel DCAP TDX quotes, versions 4 and 5 (Intel "TDX DCAP Quote Generation Library and Quote
// Verification Library" API spec, Appendix A: Quote Format). Parsing only: nothing here is
// trusted until verify.cc has checked the signatures. Views point into the caller's buffer.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "base/error.h"

namespace cocoon::tee::tdx {

inline constexpr size_t kQuoteHeaderSize = 48;
inline constexpr size_t kTdReport10Size = 584;  // TDX 1.0 TD quote body
inline constexpr size_t kTdReport15Size = 648;  // TDX 1.5: + TEE_TCB_SVN2, MRSERVICETD
inline constexpr size_t kQeReportSize = 384;    // SGX REPORT body
inline constexpr size_t kQuoteMaxBytes = 64 * 1024;
inline constexpr size_t kPckChainMaxBytes = 32 * 1024;
inline constexpr uint32_t kTeeTypeTdx = 0x81;
inline constexpr uint16_t kAttKeyEcdsaP256 = 2;
inline constexpr uint16_t kCertDataQeReport = 6;
inline constexpr uint16_t kCertDataPckChain = 5;

// Table A.2 (header), offsets from the quote start.
struct QuoteHeader {
  uint16_t version = 0;       // 0
  uint16_t att_key_type = 0;  // 2
  uint32_t tee_type = 0;      // 4
  ByteSpan reserved;          // 8, 4 bytes (QE SVN / PCE SVN in v3)
  ByteSpan qe_vendor_id;      // 12, 16
  ByteSpan user_data;         // 28, 20
  ByteSpan raw;               // all 48 bytes
};

// TD quote body (Table A.3 / A.4 for 1.5), offsets from the body start.
struct TdReport {
  ByteSpan tee_tcb_svn;      // 0, 16
  ByteSpan mr_seam;          // 16, 48
  ByteSpan mrsigner_seam;    // 64, 48
  ByteSpan seam_attributes;  // 112, 8
  ByteSpan td_attributes;    // 120, 8
  ByteSpan xfam;             // 128, 8
  ByteSpan mr_td;            // 136, 48
  ByteSpan mr_config_id;     // 184, 48
  ByteSpan mr_owner;         // 232, 48
  ByteSpan mr_owner_config;  // 280, 48
  ByteSpan rtmr[4];          // 328, 4 x 48
  ByteSpan report_data;      // 520, 64
  ByteSpan tee_tcb_svn2;     // 584, 16 (1.5 only, else empty)
  ByteSpan mr_servicetd;     // 600, 48 (1.5 only, else empty)
};

// SGX REPORT body of the quoting enclave (Table A.6), offsets from its start.
struct QeReport {
  ByteSpan cpu_svn;      // 0, 16
  uint32_t miscselect;   // 16
  ByteSpan attributes;   // 48, 16
  ByteSpan mr_enclave;   // 64, 32
  ByteSpan mr_signer;    // 128, 32
  uint16_t isv_prod_id;  // 256
  uint16_t isv_svn;      // 258
  ByteSpan report_data;  // 320, 64
  ByteSpan raw;          // all 384 bytes (what the PCK key signed)
};

struct Quote {
  QuoteHeader header;
  uint16_t body_type = 0;  // v5: 2 = TDX 1.0, 3 = TDX 1.5; v4: 2 (implied)
  uint32_t body_size = 0;
  TdReport body;
  ByteSpan signed_region;  // header .. end of body: what the attestation key signed
  // ECDSA quote signature data (Table A.5 / A.7 with certification data type 6).
  ByteSpan quote_signature;  // 64: r || s over signed_region, by the attestation key
  ByteSpan attestation_key;  // 64: P-256 x || y
  QeReport qe_report;
  ByteSpan qe_report_signature;  // 64: r || s over qe_report.raw, by the PCK leaf key
  ByteSpan qe_auth_data;
  std::string pck_chain_pem;  // certification data type 5: PEM leaf, intermediate, root
};

// Parses a v4 or v5 TDX quote. InvalidArgument naming the field on any malformed, truncated or
// unsupported input (v3 / SGX, other attestation key types, other certification data types);
// ResourceExhausted above kQuoteMaxBytes.
Result<Quote> ParseQuote(ByteSpan bytes);

}  // namespace cocoon::tee::tdx
