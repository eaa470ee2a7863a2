// The SEV-SNP verifier from [attestation_service.verifier_config.snp_verifier].
#include "tee/snp/registration.h"
#include "tee/snp/verifier.h"

namespace cocoon::tee::snp {
namespace {

// Trustee's SNP rules (VMPL 0, built-in AMD roots, VCEKs from the KDS) plus revocation: the
// ARK's CRLs from kds_url (cached) or crl_dir, whatever the evidence carries.
std::unique_ptr<Verifier> MakeVerifier(const SnpVerifierSettings& c) {
  SnpOptions o;
  o.required_vmpl = 0;
  o.kds.base_url = c.kds_url;
  o.kds.cache_dir = c.cache_dir;
  o.revocation = CrlOptions{c.kds_url, c.cache_dir, c.crl_dir};
  return NewVerifier(std::move(o));
}

}  // namespace

VerifierFactory VerifierRegistration() {
  return {.name = "snp",
          .create = [](const VerifierSettings& s) -> Result<std::unique_ptr<Verifier>> {
            return MakeVerifier(s.snp);
          },
          .verify_offline = &VerifyOffline};
}

}  // namespace cocoon::tee::snp
