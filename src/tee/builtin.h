// The TEEs cocoon ships, for the mains to register explicitly: SEV-SNP, TDX, TPM and the sample
// TEE, in that order (the guest detects its TEE in this order; sample is the fallback).
#pragma once

#include "tee/registry.h"

namespace cocoon::tee {

void RegisterBuiltinAttesters(AttesterTable& table);
void RegisterBuiltinVerifiers(VerifierTable& table);

}  // namespace cocoon::tee
