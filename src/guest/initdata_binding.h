// The guest's own check of its initdata: the host hands the guest the initdata, so the agent acts
// on it only when the TEE measured the same digest into the evidence's init-data field (SNP
// HOSTDATA, TDX MRCONFIGID, TPM PCR 8). Trusts the evidence (it comes from the guest's own TEE
// device, not from the host); trusts nothing in the initdata.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json.h"
#include "tee/tee.h"

namespace cocoon::guest {

// Compares the digest of `initdata_toml` with the init-data field of `evidence` as the attester
// of `tee` produces it:
//   snp:    HOSTDATA == the digest, zero-padded or truncated to 32 bytes (the verifier's rule);
//   tdx:    MRCONFIGID == the digest zero-padded to 48 bytes;
//   tpm:    SHA-256 PCR 8 == SHA-256(0^32 || digest), one extension from reset (sha256 only);
//   sample: its "init_data" member (standard base64) when present; else nothing to compare.
// Returns one line saying what matched. FailedPrecondition "initdata digest <hex> does not match
// the <field> <hex>" on a mismatch; InvalidArgument if the initdata or the evidence does not
// parse, or for a TEE without an init-data field.
Result<std::string> CheckInitDataBinding(std::string_view tee, const Json& evidence,
                                         std::string_view initdata_toml);

// Takes evidence from `attester` (report data: zeros; the evidence never leaves the guest) and
// checks it as above. The attester's own errors come back with the context "initdata check".
Result<std::string> CheckInitDataWithAttester(tee::Attester& attester,
                                              std::string_view initdata_toml);

}  // namespace cocoon::guest
