// TPM 2.0 (a vTPM in the pod VM) in the TEE tables (tee/registry.h): the attester side and the verifier side, kept in
// separate files so that a binary registering only attesters links no verifier code.
#pragma once

#include "tee/registry.h"

namespace cocoon::tee::tpm {

AttesterFactory AttesterRegistration();
VerifierFactory VerifierRegistration();

}  // namespace cocoon::tee::tpm
