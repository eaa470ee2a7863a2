// SEV-SNP ATTESTATION_REPORT (AMD SEV-SNP Firmware ABI, Table "ATTESTATION_REPORT Structure"),
// versions 2 to 5, 1184 bytes. Parsing trusts nothing; the signature is checked by verifier.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"

namespace cocoon::tee::snp {

inline constexpr size_t kReportSize = 0x4A0;       // 1184
inline constexpr size_t kSignedSize = 0x2A0;       // bytes [0, 0x2A0) are signed
inline constexpr size_t kSignatureComponent = 72;  // r and s fields, little-endian
inline constexpr size_t kP384Size = 48;
inline constexpr uint32_t kMinReportVersion = 2;
inline constexpr uint32_t kMaxReportVersion = 5;

enum class Product { kUnknown, kMilan, kGenoa, kTurin };
std::string_view ProductName(Product p);  // "Milan", "Genoa", "Turin" (KDS path names), "unknown"
// "Milan", "Milan-B0", "SEV-Milan", "SEV-VLEK-Milan", "ARK-Milan" → kMilan; else kUnknown.
Product ProductFromName(std::string_view name);
// CPUID family/model as in reports v3+: fam 0x19 model 0x00-0x0F Milan; 0x10-0x1F or 0xA0-0xAF
// Genoa; fam 0x1A model 0x00-0x11 Turin; else kUnknown.
Product ProductFromCpuid(uint8_t family, uint8_t model);

// TCB_VERSION (u64). Milan/Genoa: [0] boot loader, [1] TEE, [6] SNP, [7] microcode.
// Turin: [0] FMC, [1] boot loader, [2] TEE, [3] SNP, [7] microcode.
struct Tcb {
  std::optional<uint8_t> fmc;  // Turin only
  uint8_t bootloader = 0;
  uint8_t tee = 0;
  uint8_t snp = 0;
  uint8_t microcode = 0;
  bool operator==(const Tcb&) const = default;
};
Tcb DecodeTcb(uint64_t raw, Product product);
uint64_t EncodeTcb(const Tcb& tcb, Product product);
std::string TcbToString(const Tcb& tcb);  // "bl=3 tee=0 snp=8 ucode=115[ fmc=N]"

struct FirmwareVersion {
  uint8_t major = 0, minor = 0, build = 0;
};

// Guest policy (u64) bits.
struct GuestPolicy {
  uint64_t raw = 0;
  uint8_t abi_minor() const { return raw & 0xFF; }
  uint8_t abi_major() const { return (raw >> 8) & 0xFF; }
  bool smt_allowed() const { return raw & (1ULL << 16); }
  bool migrate_ma() const { return raw & (1ULL << 18); }
  bool debug_allowed() const { return raw & (1ULL << 19); }
  bool single_socket() const { return raw & (1ULL << 20); }
  bool cxl_allowed() const { return raw & (1ULL << 21); }
  bool mem_aes_256_xts() const { return raw & (1ULL << 22); }
  bool rapl_disabled() const { return raw & (1ULL << 23); }
  bool ciphertext_hiding() const { return raw & (1ULL << 24); }
  bool page_swap_disabled() const { return raw & (1ULL << 25); }
};

// PLATFORM_INFO (u64) bits.
struct PlatformInfo {
  uint64_t raw = 0;
  bool smt_enabled() const { return raw & 1; }
  bool tsme_enabled() const { return raw & 2; }
  bool ecc_enabled() const { return raw & 4; }
  bool rapl_disabled() const { return raw & 8; }
  bool ciphertext_hiding_enabled() const { return raw & 16; }
  bool alias_check_complete() const { return raw & 32; }
};

enum class SigningKey : uint8_t { kVcek = 0, kVlek = 1, kNone = 7 };

struct Report {
  uint32_t version = 0;                         // 0x000
  uint32_t guest_svn = 0;                       // 0x004
  GuestPolicy policy;                           // 0x008
  std::array<uint8_t, 16> family_id{};          // 0x010
  std::array<uint8_t, 16> image_id{};           // 0x020
  uint32_t vmpl = 0;                            // 0x030
  uint32_t signature_algo = 0;                  // 0x034 (1 = ECDSA P-384 with SHA-384)
  uint64_t current_tcb = 0;                     // 0x038
  PlatformInfo platform_info;                   // 0x040
  uint32_t key_info = 0;                        // 0x048: [0] AUTHOR_KEY_EN [1] MASK_CHIP_KEY [4:2]
  std::array<uint8_t, 64> report_data{};        // 0x050
  std::array<uint8_t, 48> measurement{};        // 0x090
  std::array<uint8_t, 32> host_data{};          // 0x0C0
  std::array<uint8_t, 48> id_key_digest{};      // 0x0E0
  std::array<uint8_t, 48> author_key_digest{};  // 0x110
  std::array<uint8_t, 32> report_id{};          // 0x140
  std::array<uint8_t, 32> report_id_ma{};       // 0x160
  uint64_t reported_tcb = 0;                    // 0x180
  uint8_t cpuid_fam_id = 0;                     // 0x188 (v3+)
  uint8_t cpuid_mod_id = 0;                     // 0x189 (v3+)
  uint8_t cpuid_step = 0;                       // 0x18A (v3+)
  std::array<uint8_t, 64> chip_id{};            // 0x1A0
  uint64_t committed_tcb = 0;                   // 0x1E0
  FirmwareVersion current;                      // 0x1E8 build, 0x1E9 minor, 0x1EA major
  FirmwareVersion committed;                    // 0x1EC build, 0x1ED minor, 0x1EE major
  uint64_t launch_tcb = 0;                      // 0x1F0
  std::optional<uint64_t> launch_mit_vector;    // 0x1F8 (v5)
  std::optional<uint64_t> current_mit_vector;   // 0x200 (v5)
  std::array<uint8_t, kSignatureComponent> sig_r{};  // 0x2A0, little-endian
  std::array<uint8_t, kSignatureComponent> sig_s{};  // 0x2E8, little-endian

  bool author_key_en() const { return key_info & 1; }
  bool mask_chip_key() const { return key_info & 2; }
  uint8_t signing_key() const { return (key_info >> 2) & 7; }
  // From CPUID (v3+); kUnknown for v2 or unrecognised CPUs.
  Product product() const;
  Tcb Reported() const { return DecodeTcb(reported_tcb, product()); }
};

// Parses exactly kReportSize bytes. InvalidArgument naming the field for a wrong size or a
// version outside [2, 5]. Reserved bytes are not checked (later firmware defines some of them);
// they are covered by the signature.
Result<Report> ParseReport(ByteSpan bytes);
// The 1184-byte layout of `r` (reserved bytes zero). ParseReport(EncodeReport(r)) == r.
Bytes EncodeReport(const Report& r);
// r||s big-endian, 48 bytes each (JOSE form); InvalidArgument if the upper 24 bytes of a
// component are not zero.
Result<Bytes> SignatureRawP384(const Report& r);

}  // namespace cocoon::tee::snp
