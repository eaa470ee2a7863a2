// TPM 2.0 structures a quote verifier reads (TCG TPM 2.0 Library Part 2, "Structures"):
// TPMS_ATTEST (quote only), TPMT_SIGNATURE and TPMT_PUBLIC. All big-endian; parsed from
// untrusted bytes through ByteReader with the size limits of base/limits.h. Trusts nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/digest.h"
#include "crypto/keys.h"

namespace cocoon::tee::tpm {

// TPM_ALG_ID values (Part 2, table 9).
inline constexpr uint16_t kAlgRsa = 0x0001;
inline constexpr uint16_t kAlgSha1 = 0x0004;
inline constexpr uint16_t kAlgSha256 = 0x000B;
inline constexpr uint16_t kAlgSha384 = 0x000C;
inline constexpr uint16_t kAlgSha512 = 0x000D;
inline constexpr uint16_t kAlgNull = 0x0010;
inline constexpr uint16_t kAlgSm3 = 0x0012;
inline constexpr uint16_t kAlgRsaSsa = 0x0014;
inline constexpr uint16_t kAlgRsaPss = 0x0016;
inline constexpr uint16_t kAlgEcdsa = 0x0018;
inline constexpr uint16_t kAlgEcc = 0x0023;
// TPM_ECC_CURVE (table 10).
inline constexpr uint16_t kEccNistP256 = 0x0003;
inline constexpr uint16_t kEccNistP384 = 0x0004;
inline constexpr uint16_t kEccNistP521 = 0x0005;
// TPM_GENERATED_VALUE and TPM_ST_ATTEST_QUOTE (tables 7 and 19).
inline constexpr uint32_t kGeneratedValue = 0xFF544347;
inline constexpr uint16_t kStAttestQuote = 0x8018;
// TPMA_OBJECT bits (table 31).
inline constexpr uint32_t kObjFixedTpm = 1u << 1;
inline constexpr uint32_t kObjRestricted = 1u << 16;
inline constexpr uint32_t kObjSign = 1u << 18;

// "sha256" for 0x000B…; "0x00ab" for algorithms without a name here.
std::string AlgName(uint16_t alg);
// Digest size of a hash algorithm (SHA-1, SHA-256/384/512, SM3); nullopt for others.
std::optional<size_t> HashSize(uint16_t alg);
// The crypto hash for SHA-256/384/512; InvalidArgument naming `field` for others.
Result<crypto::HashAlg> ToHashAlg(uint16_t alg, std::string_view field);

// TPMS_PCR_SELECTION: one bank and the PCRs selected in it (ascending).
struct PcrSelection {
  uint16_t hash = 0;
  std::vector<uint32_t> pcrs;
};

// TPMS_ATTEST with attested = TPMS_QUOTE_INFO.
struct Attest {
  uint32_t magic = 0;
  uint16_t type = 0;
  Bytes qualified_signer;  // TPM2B_NAME contents
  Bytes extra_data;        // TPM2B_DATA contents: the qualifying data ("nonce")
  uint64_t clock = 0;      // TPMS_CLOCK_INFO
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  bool safe = false;
  uint64_t firmware_version = 0;
  std::vector<PcrSelection> pcr_select;  // TPML_PCR_SELECTION
  Bytes pcr_digest;                      // TPM2B_DIGEST
};

// InvalidArgument naming the field for truncated, oversized or malformed input, for a magic
// other than TPM_GENERATED_VALUE, a type other than TPM_ST_ATTEST_QUOTE, or trailing bytes.
Result<Attest> ParseAttest(ByteSpan data);

// TPMT_SIGNATURE for RSASSA, RSAPSS and ECDSA.
struct Signature {
  uint16_t sig_alg = 0;  // kAlgRsaSsa | kAlgRsaPss | kAlgEcdsa
  uint16_t hash = 0;
  Bytes rsa_sig;  // RSA: TPM2B_PUBLIC_KEY_RSA
  Bytes ecdsa_r;  // ECDSA: TPM2B_ECC_PARAMETER r, s (big-endian, minimal or padded)
  Bytes ecdsa_s;
};

// InvalidArgument naming the field (unsupported sigAlg included; trailing bytes rejected).
Result<Signature> ParseSignature(ByteSpan data);

// TPMT_PUBLIC of an RSA or ECC key (the fields a verifier needs).
struct Public {
  uint16_t type = 0;  // kAlgRsa | kAlgEcc
  uint16_t name_alg = 0;
  uint32_t object_attributes = 0;
  uint16_t scheme = kAlgNull;  // signing scheme in the parameters (kAlgNull = any)
  uint16_t scheme_hash = kAlgNull;
  uint16_t rsa_key_bits = 0;
  uint32_t rsa_exponent = 0;  // 0 means 65537
  uint16_t curve = 0;
  Bytes rsa_modulus;   // unique.rsa
  Bytes ecc_x, ecc_y;  // unique.ecc
  Bytes encoded;       // the TPMT_PUBLIC bytes (what the Name hashes)
};

// Accepts a bare TPMT_PUBLIC or a TPM2B_PUBLIC (u16 size + TPMT_PUBLIC, as tpm2-tools and
// Esys_ReadPublic write it). InvalidArgument naming the field; only RSA and ECC keys.
Result<Public> ParsePublic(ByteSpan data);
// The key as an OpenSSL-backed public key (P-256/384/521 or RSA).
Result<crypto::PublicKey> ToPublicKey(const Public& pub);
// A big-endian integer (TPM2B_ECC_PARAMETER) left-padded, or stripped of leading zeros, to
// exactly `n` bytes; InvalidArgument naming `field` if it does not fit.
Result<Bytes> FixedWidth(ByteSpan v, size_t n, std::string_view field);
// Name = nameAlg || H_nameAlg(TPMT_PUBLIC) (Part 1, §16). InvalidArgument for unsupported nameAlg.
Result<Bytes> ComputeName(const Public& pub);

}  // namespace cocoon::tee::tpm
