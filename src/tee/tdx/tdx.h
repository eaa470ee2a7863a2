// The `tdx` TEE: Trustee's evidence {"cc_eventlog": <std b64>|null, "quote": <std b64>}, the
// KBS verifier, `cocoon verify-evidence --tee tdx`, and the guest attester (configfs-tsm).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "tee/offline.h"
#include "tee/tdx/verify.h"
#include "tee/tee.h"

namespace cocoon::tee::tdx {

// Why the KBS verifier needs collateral (and cocoon-kbs refuses tdx at /auth without it).
inline constexpr char kNoCollateral[] =
    "TDX: no collateral configured ([attestation_service.verifier_config.tdx_verifier] "
    "collateral = a directory or a PCCS URL): without Intel's QE identity and TCB info a quote "
    "signed by a non-Intel enclave cannot be told apart";

// KBS/AS verifier. InvalidArgument if the options are unusable (bad root); FailedPrecondition
// (kNoCollateral) without a collateral source: the KBS never passes a quote "NotEvaluated".
Result<std::unique_ptr<Verifier>> NewVerifier(VerifierOptions options);

// `cocoon verify-evidence --tee tdx`: the evidence file is the evidence JSON or a raw quote.
// --collateral DIR evaluates the TCB; without it tcb_status is "NotEvaluated".
Result<Json> VerifyOffline(const OfflineVerifyOptions& options);

struct AttesterOptions {
  std::string tsm_root = "/sys/kernel/config/tsm/report";
  std::string ccel_path = "/sys/firmware/acpi/tables/data/CCEL";
  std::string aael_path = "/run/attestation-agent/eventlog";
  // Test seam: called with the new report entry right after mkdir (the kernel populates a
  // configfs entry itself; a test on a plain directory fills in provider/outblob here).
  std::function<void(const std::string& entry)> after_mkdir;
};
// The configfs-tsm attester (tee() == "tdx").
std::unique_ptr<Attester> NewAttester(AttesterOptions options = {});
// True if `options.tsm_root` exists (a TDX guest with configfs-tsm).
bool Detect(const AttesterOptions& options = {});

}  // namespace cocoon::tee::tdx
