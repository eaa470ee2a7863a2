// The `tpm` attester: quotes PCRs with an attestation key through tpm2-tss ESAPI and emits the
// evidence JSON tee/tpm/tpm.h verifies. Trusts the TPM it talks to (a device, or swtpm in tests).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "tee/tee.h"

namespace cocoon::tee::tpm {

inline constexpr char kDefaultEventLogPath[] = "/sys/kernel/security/tpm0/binary_bios_measurements";

struct AttesterOptions {
  // tpm2-tss TCTI configuration: "device:/dev/tpmrm0", "swtpm:host=127.0.0.1,port=2321", …
  std::string tcti = "device:/dev/tpmrm0";
  std::vector<uint32_t> pcrs = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23};  // SHA-256 bank
  // "rsa" (RSA-2048, RSASSA-SHA256: what Trustee's verifier accepts), "rsapss", or "ecc"
  // (NIST P-256, ECDSA-SHA256).
  std::string ak_algorithm = "rsa";
  // Persistent AK handle (e.g. 0x81010002, guest-components' default). If an object is there it
  // is used; otherwise the AK is created and made persistent there (owner hierarchy). Without a
  // handle the AK is a primary key of the endorsement hierarchy, re-derived on every start.
  std::optional<uint32_t> ak_handle;
  // Event log included as "eventlog" when the file exists; empty = never.
  std::string event_log_path = kDefaultEventLogPath;
};

class TpmAttester : public Attester {
 public:
  ~TpmAttester() override;
  std::string_view tee() const override { return "tpm"; }
  // Quotes the configured PCRs with report_data resized to 32 bytes as qualifying data
  // (Trustee's rule), reads the PCR values (retrying if they change between quote and read)
  // and the event log. Unavailable if the TPM does not answer.
  Result<Json> GetEvidence(ByteSpan report_data) override;
  // The AK as TPMT_PUBLIC, and as a PEM public key.
  const Bytes& ak_tpmt_public() const;
  std::string ak_public_pem() const;
  // Extends a SHA-256 PCR (e.g. PCR 8 with the init-data digest).
  Status ExtendPcr(uint32_t pcr, ByteSpan sha256_digest);

  struct State;
  explicit TpmAttester(std::unique_ptr<State> s);

 private:
  std::unique_ptr<State> s_;
};

// Connects to the TPM and loads or creates the AK. Unavailable if the TCTI cannot connect;
// InvalidArgument for bad options; Unimplemented when built without tpm2-tss.
Result<std::unique_ptr<TpmAttester>> NewAttester(const AttesterOptions& options);

}  // namespace cocoon::tee::tpm
