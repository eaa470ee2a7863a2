// The TDX verifier from [attestation_service.verifier_config.tdx_verifier].
#include "crypto/x509.h"
#include "tee/tdx/registration.h"
#include "tee/tdx/tdx.h"

namespace cocoon::tee::tdx {
namespace {

// DCAP collateral from a directory or a PCCS; FailedPrecondition (kNoCollateral) without one.
Result<std::unique_ptr<Verifier>> MakeVerifier(const TdxVerifierSettings& c) {
  VerifierOptions o;
  if (!c.root.empty()) {
    ASSIGN_OR_RETURN(o.roots, crypto::LoadCertificates(c.root, "tdx_verifier root"));
  }
  if (c.collateral.starts_with("http://") || c.collateral.starts_with("https://")) {
    o.collateral = NewPccsSource(c.collateral);
  } else if (!c.collateral.empty()) {
    o.collateral = NewDirectorySource(c.collateral);
  }
  o.accept_out_of_date = c.accept_out_of_date;
  return NewVerifier(std::move(o));
}

}  // namespace

VerifierFactory VerifierRegistration() {
  return {.name = "tdx",
          .create = [](const VerifierSettings& s) { return MakeVerifier(s.tdx); },
          .verify_offline = &VerifyOffline};
}

}  // namespace cocoon::tee::tdx
