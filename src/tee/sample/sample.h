// The `sample` TEE: no hardware, evidence {"svn","report_data"} as Trustee's sample verifier and
// guest-components' sample attester define it. For tests and laptops only: it proves nothing.
#pragma once

#include <memory>

#include "tee/offline.h"
#include "tee/tee.h"

namespace cocoon::tee::sample {

std::unique_ptr<Verifier> NewVerifier();
std::unique_ptr<Attester> NewAttester(std::string svn = "1");

// `cocoon verify-evidence --tee sample`: checks the JSON shape and, when --report-data is given,
// the binding.
Result<Json> VerifyOffline(const OfflineVerifyOptions& options);

}  // namespace cocoon::tee::sample
