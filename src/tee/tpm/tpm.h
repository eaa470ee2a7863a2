// The `tpm` TEE: a TPM 2.0 quote (TPMS_ATTEST + TPMT_SIGNATURE) by an attestation key (AK), the
// PCR values it covers, and optionally the firmware event log. Evidence JSON as Trustee's tpm
// verifier reads it (docs/evidence.md):
//   {"ak_public":"<std b64 DER SPKI>",
//    "tpm_quote":{"signature":"<std b64 TPMT_SIGNATURE>","message":"<std b64 TPMS_ATTEST>",
//                 "pcrs":["<hex>",…]}}
// plus cocoon extensions Trustee ignores: "eventlog" (std b64 crypto-agile TCG log),
// "ak_cert_chain" (std b64 DER certificates, AK leaf first), "ak_tpmt_public" (std b64
// TPMT_PUBLIC of the AK). Trust comes only from the configured AK keys or AK roots.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "tee/offline.h"
#include "tee/tee.h"

namespace cocoon::tee::tpm {

// Trustee's TPM_REPORT_DATA_SIZE: the runtime-data digest is truncated (or zero-padded) to this
// many bytes and used as the quote's qualifying data, by the attester and the verifier alike.
inline constexpr size_t kReportDataSize = 32;
// Trustee's INITDATA_PCR: init-data binding, PCR8 == SHA-256(0^32 || init-data digest).
inline constexpr uint32_t kInitDataPcr = 8;

struct Evidence {
  std::string ak_public;    // as sent (std base64 of DER SPKI)
  Bytes ak_spki;            // decoded
  Bytes message;            // TPMS_ATTEST
  Bytes signature;          // TPMT_SIGNATURE
  std::vector<Bytes> pcrs;  // values of the selected PCRs, in selection order
  std::optional<Bytes> event_log;
  std::vector<Bytes> ak_cert_chain;  // DER, leaf first
  std::optional<Bytes> ak_tpmt_public;
};

// InvalidArgument naming the JSON member for a wrong shape, bad base64/hex, or too many PCRs.
Result<Evidence> ParseEvidence(const Json& evidence);
Json EvidenceToJson(const Evidence& evidence);

// Why a verifier with no AK anchor refuses every quote (and cocoon-kbs refuses tpm at /auth).
inline constexpr char kNoAkAnchor[] =
    "TPM: AK not trusted: no AK is trusted without [attestation_service.verifier_config."
    "tpm_verifier] trusted_ak_keys or trusted_ak_roots";

struct VerifierOptions {
  // AKs trusted as they are (e.g. recorded at enrolment). Compared by public key.
  std::vector<crypto::PublicKey> trusted_aks;
  // Roots for an "ak_cert_chain" in the evidence (the leaf must certify the AK).
  std::vector<crypto::Certificate> ak_roots;
  // With neither of the above every quote is refused (kNoAkAnchor): a key the client made up
  // signs as well as a TPM's. (Trustee leaves the AK to the policy.)
  std::optional<std::chrono::system_clock::time_point> at_time;  // for the AK chain; nullopt = now
};

struct Expectations {
  std::optional<Bytes> nonce;        // extraData must equal these bytes exactly
  std::optional<Bytes> report_data;  // extraData must equal report_data resized to 32
  std::optional<Bytes> init_data_digest;
};

// Runs every check; returns the claims. InvalidArgument for malformed evidence;
// Unauthenticated "TPM: <check>: <values>" for a failed check (AK trust, quote signature, PCR
// digest, nonce, init data, event-log replay).
Result<Json> VerifyEvidence(const Evidence& evidence, const VerifierOptions& options,
                            const Expectations& expect);

// An AK public key from a file's bytes: PEM (public key or certificate), DER SPKI, or a
// TPMT_PUBLIC / TPM2B_PUBLIC (which must be a restricted signing key). InvalidArgument else.
Result<crypto::PublicKey> LoadAk(ByteSpan file);

// The KBS verifier for tee "tpm": report data bound as Trustee binds it (resized to 32).
std::unique_ptr<Verifier> NewVerifier(VerifierOptions options = {});

// `cocoon verify-evidence --tee tpm`: the evidence JSON; --ak (trusted AK) and/or --root (PEM
// roots for ak_cert_chain) — one is required; --nonce (exact extraData) or --report-data
// (Trustee's rule).
Result<Json> VerifyOffline(const OfflineVerifyOptions& options);

}  // namespace cocoon::tee::tpm
