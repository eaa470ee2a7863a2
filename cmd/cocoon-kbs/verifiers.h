// cocoon-kbs's verifiers from [attestation_service]: a TEE is accepted at /auth only if the
// operator allowed it and its verifier has its roots of trust; every other TEE is registered as
// refused with the setting that would enable it.
#pragma once

#include <string>

#include "base/error.h"
#include "kbs/config.h"
#include "tee/tee.h"

namespace cocoon::kbs_main {

// Command-line overrides of [attestation_service.verifier_config.tdx_verifier].
struct TdxFlags {
  std::string collateral;
  std::string root;
  bool accept_out_of_date = false;
};

// Registers sample, snp, tdx and tpm into `registry`, each either as a verifier or refused.
// Errors (files named in the config that do not load) stop the KBS at start.
Status RegisterVerifiers(const kbs::AttestationServiceConfig& config, const TdxFlags& flags,
                         tee::VerifierRegistry& registry);

}  // namespace cocoon::kbs_main
