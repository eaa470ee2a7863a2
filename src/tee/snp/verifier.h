// SEV-SNP verification: parse (report.h, evidence.h) → chain (chain.h) → report signature →
// TCB, chip id, VMPL, report_data, host_data → Trustee's claims. Every rejection is
// Unauthenticated and names the failed check with the values involved.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"
#include "tee/offline.h"
#include "tee/snp/chain.h"
#include "tee/snp/crl_source.h"
#include "tee/snp/evidence.h"
#include "tee/snp/kds.h"
#include "tee/tee.h"

namespace cocoon::tee::snp {

struct SnpOptions {
  std::optional<AmdChain> trust;  // replaces the built-in roots (--chain)
  KdsOptions kds;                 // VCEK source when the evidence carries none
  // Revocation from AMD's CRLs (crl_source.h), whatever the evidence carries. Unset = only the
  // CRLs in the evidence or the trust bundle are checked (offline tools); cocoon-kbs sets it.
  std::optional<CrlOptions> revocation;
  std::optional<uint32_t> required_vmpl;  // Trustee requires 0; offline: unchecked
  uint32_t min_version = kMinReportVersion;
  bool check_validity = true;      // certificate notBefore/notAfter
  size_t chain_cache_size = 1024;  // 0 = no chain cache
};

struct SnpInput {
  ByteSpan report;                            // the 1184 signed bytes
  std::vector<CertEntry> certs;               // from the evidence
  std::optional<Bytes> vek_der;               // overrides the evidence's VCEK/VLEK (--cert)
  std::optional<Bytes> expected_report_data;  // ≤ 64 bytes, zero-padded to 64
  std::optional<Bytes> expected_host_data;    // padded/truncated to 32
  std::optional<int64_t> at_unix;             // validity instant (default: now)
};

class SnpVerifier {
 public:
  explicit SnpVerifier(SnpOptions options);
  // The claims (Trustee's names plus a few more, see docs/evidence.md). InvalidArgument for
  // malformed input, Unauthenticated naming the failed check, Unavailable if a VCEK fetch fails.
  Result<Json> Verify(const SnpInput& in) const;
  const ChainVerifier& chains() const { return chains_; }
  const KdsClient& kds() const { return kds_; }

 private:
  Result<Bytes> SelectVek(const SnpInput& in, const Report& r, std::string* source) const;
  // The CRL for the VEK's signer from `crls_`, or nothing when revocation is not configured.
  Result<std::optional<Bytes>> RevocationList(const Report& r, ByteSpan vek_der, int64_t now) const;

  SnpOptions options_;
  ChainVerifier chains_;
  KdsClient kds_;
  std::optional<CrlSource> crls_;
};

// Trustee's claims for a verified report.
Json Claims(const Report& r, const VerifiedVek& vek);

// The KBS verifier over the evidence JSON of guest-components. The first form uses Trustee's
// rules: VMPL 0 required, built-in roots, AMD's KDS for missing VCEKs.
std::unique_ptr<Verifier> NewVerifier();
std::unique_ptr<Verifier> NewVerifier(SnpOptions options);

// `cocoon verify-evidence --tee snp`: evidence JSON or raw report; --cert, --chain, --report-data,
// --time. VMPL is reported, not enforced.
Result<Json> VerifyOffline(const OfflineVerifyOptions& options);

}  // namespace cocoon::tee::snp
