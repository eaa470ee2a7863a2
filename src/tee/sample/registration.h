// The sample TEE (no hardware; proves nothing) in the TEE tables (tee/registry.h): the attester side and the verifier side, kept in
// separate files so that a binary registering only attesters links no verifier code.
#pragma once

#include "tee/registry.h"

namespace cocoon::tee::sample {

AttesterFactory AttesterRegistration();
VerifierFactory VerifierRegistration();

}  // namespace cocoon::tee::sample
