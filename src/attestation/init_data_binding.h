// The attestation service's own check of the init-data binding, independent of each verifier:
// the field of the evidence that a hardware TEE sets from the launch configuration (SNP HOSTDATA,
// TDX MRCONFIGID) must hold the digest of the init-data the request sent, and a guest launched
// with init-data must send it (else the policy cannot see the guest's configuration).
#pragma once

#include <optional>

#include "base/bytes.h"
#include "base/error.h"
#include "tee/tee.h"

namespace cocoon::attestation {

// Ok for TEEs without such a field (sample, tpm: PCR 8 is also the boot loader's, and the tpm
// verifier replays it). Unauthenticated "init-data mismatch: …" naming the field and both
// values when the field differs from `sent` (truncated or zero-padded to the field, as the
// attesters write it) or is set while nothing was sent.
Status CheckInitDataBinding(const tee::TeeClaims& claims, const std::optional<Bytes>& sent);

}  // namespace cocoon::attestation
