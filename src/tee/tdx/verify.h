// TDX quote verification, step by step (each a named check whose failure says what and which
// values): quote signature by the attestation key; attestation key bound into the QE report;
// QE report signed by the PCK leaf; PCK chain to the Intel SGX Root CA; with collateral: TCB
// Info and QE Identity signed via the TCB-signing chain, PCK and root CRLs, freshness at the
// evaluation time, QE identity, TCB level; report_data / MRCONFIGID binding; event-log replay.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"
#include "crypto/crl.h"
#include "crypto/x509.h"
#include "tee/tdx/collateral.h"
#include "tee/tdx/quote.h"

namespace cocoon::tee::tdx {

struct VerifierOptions {
  // Trust anchors; empty = the built-in Intel SGX Root CA.
  std::vector<crypto::Certificate> roots;
  // Where TCB Info, QE Identity and CRLs come from; null = TCB status not evaluated.
  std::shared_ptr<CollateralSource> collateral;
  // OutOfDate / OutOfDateConfigurationNeeded are rejected unless this is set.
  bool accept_out_of_date = false;
};

struct QuoteInput {
  ByteSpan quote;
  std::optional<ByteSpan> event_log;
  ByteSpan expected_report_data;  // empty = not checked; else zero-padded to 64 and compared
  std::optional<Bytes> init_data_digest;  // zero-padded to 48 and compared with MRCONFIGID
  std::optional<int64_t> at;              // unix seconds; default now
};

class QuoteVerifier {
 public:
  // InvalidArgument if a root is not a CA certificate we can use.
  static Result<std::unique_ptr<QuoteVerifier>> Create(VerifierOptions options);

  // Claims (Trustee's names) on success. InvalidArgument for malformed input, Unauthenticated
  // naming the failed check ("TDX: QE report signature invalid", "TDX: PCK chain: …",
  // "TDX: TCB status OutOfDate (advisories …)", "TDX: collateral tcb_info expired at …"), and
  // the collateral source's errors (NotFound / Unavailable) when collateral cannot be had.
  Result<Json> Verify(const QuoteInput& input) const;

 private:
  explicit QuoteVerifier(VerifierOptions options) : options_(std::move(options)) {}
  struct Chain;
  struct CollateralCheck;
  // A certificate of a PCK chain parsed once (OpenSSL 3's PEM/X.509 decoding costs more than
  // the signature checks); signatures and validity are still checked on every quote.
  struct ParsedCert {
    crypto::Certificate cert;
    crypto::PublicKey key;
    Bytes der;
    crypto::Validity validity;
    std::string cn;
    std::optional<Bytes> sgx_extension;  // raw SGX extension value, if the certificate has one
  };
  static constexpr size_t kCertCacheMax = 4096;
  Result<std::shared_ptr<const ParsedCert>> Parse(std::string_view pem_block) const;
  Result<Chain> CheckPckChain(const Quote& q, int64_t at) const;
  Result<Json> CheckCollateral(const Quote& q, const Chain& chain, int64_t at) const;
  Result<std::shared_ptr<const CollateralCheck>> VerifyCollateralOnce(
      const std::shared_ptr<const Collateral>& c, const Chain& chain) const;

  VerifierOptions options_;
  std::vector<crypto::PublicKey> root_keys_;
  std::vector<Bytes> root_ders_;
  mutable std::mutex mu_;
  // Collateral whose signatures were checked, by (collateral object, PCK CA certificate DER).
  mutable std::map<std::pair<const Collateral*, Bytes>, std::shared_ptr<const CollateralCheck>>
      checked_;
  mutable std::map<std::string, std::shared_ptr<const ParsedCert>, std::less<>> certs_;
};

// Claims of a parsed quote alone (header, body, td_attributes, report_data, init_data).
Json QuoteClaims(const Quote& q);

}  // namespace cocoon::tee::tdx
