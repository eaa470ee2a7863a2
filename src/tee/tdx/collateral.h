// DCAP collateral for TDX: TCB Info (Intel PCS "TCB Info V3" JSON), QE Identity ("Enclave
// Identity V2"), their issuer chains, the PCK CRL and the Root CA CRL. Parsing only — the
// signatures over the exact JSON bytes are checked in verify.cc. Sources: a directory of files
// or a PCCS/PCS base URL (Intel's v4 API), both behind CollateralSource.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/crl.h"
#include "crypto/x509.h"

namespace cocoon::tee::tdx {

inline constexpr size_t kCollateralJsonMaxBytes = 1024 * 1024;
inline constexpr size_t kCollateralCrlMaxBytes = 4 * 1024 * 1024;
inline constexpr size_t kTcbLevelsMax = 256;

struct TcbLevel {
  std::array<uint8_t, 16> sgx_components{};
  uint16_t pcesvn = 0;
  std::array<uint8_t, 16> tdx_components{};
  std::string tcb_date;
  std::string status;
  std::vector<std::string> advisory_ids;
};

struct ModuleTcbLevel {
  uint16_t isvsvn = 0;
  std::string tcb_date;
  std::string status;
  std::vector<std::string> advisory_ids;
};

struct TdxModuleIdentity {
  std::string id;  // "TDX_03"
  Bytes mrsigner, attributes, attributes_mask;
  std::vector<ModuleTcbLevel> levels;
};

struct TcbInfo {
  std::string id;  // "TDX"
  int version = 0;
  int64_t issue_date = 0, next_update = 0;
  Bytes fmspc, pce_id;
  int64_t tcb_type = 0, tcb_evaluation_data_number = 0;
  Bytes module_mrsigner, module_attributes, module_attributes_mask;
  std::vector<TdxModuleIdentity> module_identities;
  std::vector<TcbLevel> levels;
  Bytes signed_body;  // exact bytes of the "tcbInfo" member's value
  Bytes signature;    // 64: r || s
};

struct QeIdentity {
  std::string id;  // "TD_QE"
  int version = 0;
  int64_t issue_date = 0, next_update = 0;
  int64_t tcb_evaluation_data_number = 0;
  uint32_t miscselect = 0, miscselect_mask = 0;
  Bytes attributes, attributes_mask, mrsigner;
  uint16_t isvprodid = 0;
  std::vector<ModuleTcbLevel> levels;
  Bytes signed_body;
  Bytes signature;
};

// {"tcbInfo":{…},"signature":"hex"} as served by PCS/PCCS. InvalidArgument naming the field.
Result<TcbInfo> ParseTcbInfo(std::string_view json);
// {"enclaveIdentity":{…},"signature":"hex"}.
Result<QeIdentity> ParseQeIdentity(std::string_view json);

// The bytes of top-level member `key`'s value in JSON `text`, exactly as written (signatures
// cover these bytes, not a re-serialisation). InvalidArgument if absent or malformed.
Result<std::string_view> RawJsonMember(std::string_view text, std::string_view key);

struct Collateral {
  TcbInfo tcb_info;
  std::vector<crypto::Certificate> tcb_info_chain;  // signing cert first
  QeIdentity qe_identity;
  std::vector<crypto::Certificate> qe_identity_chain;
  std::optional<crypto::Crl> pck_crl;
  std::vector<crypto::Certificate> pck_crl_chain;  // may be empty: the quote's chain is used
  std::optional<crypto::Crl> root_ca_crl;
};

enum class PckCa { kPlatform, kProcessor };
std::string_view PckCaName(PckCa ca);  // "platform" | "processor"

class CollateralSource {
 public:
  virtual ~CollateralSource() = default;
  // Collateral for `fmspc` (6 bytes) and the PCK issuer kind. NotFound / Unavailable /
  // InvalidArgument naming the item.
  virtual Result<std::shared_ptr<const Collateral>> Fetch(ByteSpan fmspc, PckCa ca) = 0;
  virtual std::string Describe() const = 0;
};

// Files in `dir`: tcb_info.json, tcb_info_issuer_chain.pem, qe_identity.json,
// qe_identity_issuer_chain.pem, pck_crl.der|pem, pck_crl_issuer_chain.pem (optional),
// root_ca_crl.der|pem. Missing CRLs are reported by the verifier, not here. Read once, then
// cached. tcb_info.json must be for the quote's FMSPC (checked by the verifier).
std::unique_ptr<CollateralSource> NewDirectorySource(std::string dir);

// Intel PCS/PCCS v4 API at `base_url` (e.g. https://localhost:8081 — paths
// /tdx/certification/v4/tcb?fmspc=…, /tdx/certification/v4/qe/identity,
// /sgx/certification/v4/pckcrl?ca=…, /sgx/certification/v4/rootcacrl). Responses are kept
// in memory per (FMSPC, CA) until the earliest nextUpdate among them passes.
std::unique_ptr<CollateralSource> NewPccsSource(std::string base_url, std::string ca_file = "");

// Parses one piece of collateral the way both sources do (exposed for tests and fuzzing).
Result<std::vector<crypto::Certificate>> ParseIssuerChain(std::string_view pem,
                                                          std::string_view what);
Result<crypto::Crl> ParseCrlBytes(std::string_view bytes, std::string_view what);

}  // namespace cocoon::tee::tdx
