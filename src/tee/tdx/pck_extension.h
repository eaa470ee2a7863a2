// The Intel SGX extension of PCK certificates (OID 1.2.840.113741.1.13.1; Intel "SGX PCK
// Certificate and CRL Profile" §1.5): PPID, TCB (16 component SVNs, PCESVN, CPUSVN), PCE-ID,
// FMSPC, SGX type and, for Platform-CA certificates, the platform instance ID. Parsed from
// untrusted DER; trusted only once the certificate chains to the Intel root.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"
#include "base/error.h"

namespace cocoon::tee::tdx {

inline constexpr const char* kSgxExtensionOid = "1.2.840.113741.1.13.1";
inline constexpr size_t kSgxExtensionMaxBytes = 4096;

struct PckExtension {
  Bytes ppid;                              // .1
  std::array<uint8_t, 16> sgx_tcb_comp{};  // .2.1 .. .2.16
  uint16_t pcesvn = 0;                     // .2.17
  Bytes cpusvn;                            // .2.18
  Bytes pce_id;                            // .3 (2 bytes)
  Bytes fmspc;                             // .4 (6 bytes)
  int sgx_type = 0;                        // .5: 0 Standard, 1 Scalable, 2 Scalable+Integrity
  Bytes platform_instance_id;              // .6 (Platform CA certificates only)
};

// `der` = the extension value (the OCTET STRING's contents). InvalidArgument naming the field
// when an element is missing, duplicated in a way we cannot read, or malformed.
Result<PckExtension> ParsePckExtension(ByteSpan der);

}  // namespace cocoon::tee::tdx
