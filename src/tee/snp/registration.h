// AMD SEV-SNP in the TEE tables (tee/registry.h): the attester side and the verifier side, kept in
// separate files so that a binary registering only attesters links no verifier code.
#pragma once

#include "tee/registry.h"

namespace cocoon::tee::snp {

AttesterFactory AttesterRegistration();
VerifierFactory VerifierRegistration();

}  // namespace cocoon::tee::snp
