// Which TEEs the KBS accepts at /auth, and with which roots of trust (docs/config.md,
// docs/security.md "Verifier roots of trust"): a TEE is accepted only if the operator allowed it
// and its verifier has its roots of trust; every other TEE is registered as refused with the
// setting that would enable it.
#pragma once

#include "base/error.h"
#include "tee/registry.h"
#include "tee/tee.h"

namespace cocoon::kbs {

// Registers every TEE of `table` into `registry`, each either as a verifier or refused: one
// that proves nothing (sample) only with insecure_sample_tee; the others when in allowed_tees
// and their factory succeeds (a FailedPrecondition from it refuses the TEE with its message and a
// warning). Errors: a factory's other errors (files named in the settings that do not load),
// with "<tee> verifier" as context — they stop the KBS at start.
Status InstallVerifiers(const tee::VerifierTable& table, const tee::VerifierSettings& settings,
                        tee::VerifierRegistry& registry);

}  // namespace cocoon::kbs
