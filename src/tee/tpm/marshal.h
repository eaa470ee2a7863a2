// Marshalling of the TPM structures tpm_types.h parses (big-endian, Part 2 layout). Used to
// build synthetic quotes for tests, fuzz seeds and benchmarks, and by tools that re-encode.
#pragma once

#include "base/bytes.h"
#include "tee/tpm/tpm_types.h"

namespace cocoon::tee::tpm {

Bytes MarshalAttest(const Attest& a);
Bytes MarshalSignature(const Signature& s);
// TPMT_PUBLIC of a restricted signing key (RSA: unique.rsa = modulus; ECC: unique.ecc x, y).
Bytes MarshalPublic(const Public& p);

}  // namespace cocoon::tee::tpm
