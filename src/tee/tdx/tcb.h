// TCB status of a TDX platform from TCB Info v3 (Intel "TDX DCAP QVL": TCB level matching).
// Inputs are the PCK certificate's SGX TCB (components + PCESVN), the TD report's TEE_TCB_SVN
// and the verified TCB Info; output the status string Intel defines plus advisories.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "tee/tdx/collateral.h"
#include "tee/tdx/pck_extension.h"

namespace cocoon::tee::tdx {

struct TcbResult {
  std::string status;  // "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", …, "Revoked"
  std::string tcb_date;
  std::vector<std::string> advisory_ids;
  std::string module_status;  // TDX module identity status ("" if not evaluated)
};

// Statuses the verifier accepts by default (OutOfDate only with accept_out_of_date).
bool IsAcceptedTcbStatus(std::string_view status, bool accept_out_of_date);

// Unauthenticated "TDX: no matching TCB level …" when no level applies; InvalidArgument when
// the TCB Info does not belong to this platform (FMSPC / PCE-ID mismatch) or the TDX module
// identity is unknown.
Result<TcbResult> EvaluateTcb(const TcbInfo& info, const PckExtension& pck, ByteSpan tee_tcb_svn,
                              ByteSpan mr_signer_seam, ByteSpan seam_attributes);

}  // namespace cocoon::tee::tdx
