// Which TEEs cocoon-kbs accepts, and with which roots of trust (docs/config.md,
// docs/security.md "Verifier roots of trust").
#include "cmd/cocoon-kbs/verifiers.h"

#include <algorithm>

#include "base/file.h"
#include "base/logging.h"
#include "crypto/x509.h"
#include "tee/sample/sample.h"
#include "tee/snp/verifier.h"
#include "tee/tdx/tdx.h"
#include "tee/tpm/tpm.h"

namespace cocoon::kbs_main {
namespace {

constexpr std::string_view kAs = "[attestation_service]";

// The TPM verifier's AK trust anchors; FailedPrecondition (kNoAkAnchor) without any.
Result<std::unique_ptr<tee::Verifier>> MakeTpm(const kbs::AttestationServiceConfig& c) {
  tee::tpm::VerifierOptions o;
  for (const auto& path : c.tpm_trusted_ak_keys) {
    ASSIGN_OR_RETURN(std::string bytes, base::ReadFile(path, "trusted_ak_keys", 1 << 20));
    auto ak = tee::tpm::LoadAk(AsBytes(bytes));
    if (!ak) return std::unexpected(ak.error().WithContext("trusted_ak_keys " + path));
    o.trusted_aks.push_back(std::move(*ak));
  }
  for (const auto& path : c.tpm_trusted_ak_roots) {
    ASSIGN_OR_RETURN(auto roots, crypto::LoadCertificates(path, "trusted_ak_roots"));
    o.ak_roots.insert(o.ak_roots.end(), roots.begin(), roots.end());
  }
  if (o.trusted_aks.empty() && o.ak_roots.empty()) {
    return FailedPrecondition(tee::tpm::kNoAkAnchor);
  }
  return tee::tpm::NewVerifier(std::move(o));
}

// DCAP collateral from a directory or a PCCS; FailedPrecondition (kNoCollateral) without one.
Result<std::unique_ptr<tee::Verifier>> MakeTdx(const kbs::TdxVerifierConfig& config,
                                               const TdxFlags& flags) {
  namespace tdx = tee::tdx;
  const std::string& collateral = flags.collateral.empty() ? config.collateral : flags.collateral;
  const std::string& root = flags.root.empty() ? config.root : flags.root;
  tdx::VerifierOptions o;
  if (!root.empty()) {
    ASSIGN_OR_RETURN(o.roots, crypto::LoadCertificates(root, "tdx_verifier root"));
  }
  if (collateral.starts_with("http://") || collateral.starts_with("https://")) {
    o.collateral = tdx::NewPccsSource(collateral);
  } else if (!collateral.empty()) {
    o.collateral = tdx::NewDirectorySource(collateral);
  }
  o.accept_out_of_date = config.accept_out_of_date || flags.accept_out_of_date;
  return tdx::NewVerifier(std::move(o));
}

// Trustee's SNP rules (VMPL 0, built-in AMD roots, VCEKs from the KDS) plus revocation: the
// ARK's CRLs from kds_url (cached) or crl_dir, whatever the evidence carries.
std::unique_ptr<tee::Verifier> MakeSnp(const kbs::SnpVerifierConfig& c) {
  tee::snp::SnpOptions o;
  o.required_vmpl = 0;
  o.kds.base_url = c.kds_url;
  o.kds.cache_dir = c.cache_dir;
  o.revocation = tee::snp::CrlOptions{c.kds_url, c.cache_dir, c.crl_dir};
  return tee::snp::NewVerifier(std::move(o));
}

bool Allowed(const kbs::AttestationServiceConfig& c, std::string_view tee) {
  return std::find(c.allowed_tees.begin(), c.allowed_tees.end(), tee) != c.allowed_tees.end();
}

// Registers `made` for `tee`, or refuses `tee` with why it could not be made. A file that does
// not load is an error of the config, not a refusal.
Status Install(std::string tee, Result<std::unique_ptr<tee::Verifier>> made,
               tee::VerifierRegistry& registry) {
  if (made) {
    registry.Register(std::move(tee), std::move(*made));
    return Ok();
  }
  if (made.error().code() != Code::kFailedPrecondition) {
    return std::unexpected(made.error().WithContext(tee + " verifier"));
  }
  LOG_WARN("TEE \"{}\" is allowed but refused at /auth: {}", tee, made.error().message());
  registry.Refuse(std::move(tee), made.error().message());
  return Ok();
}

}  // namespace

Status RegisterVerifiers(const kbs::AttestationServiceConfig& c, const TdxFlags& flags,
                         tee::VerifierRegistry& registry) {
  for (std::string_view tee : {"snp", "tdx", "tpm"}) {
    if (Allowed(c, tee)) continue;
    registry.Refuse(std::string(tee), "TEE \"" + std::string(tee) + "\" is not in " +
                                          std::string(kAs) + " allowed_tees");
  }
  if (Allowed(c, "snp")) registry.Register("snp", MakeSnp(c.snp));
  if (Allowed(c, "tdx")) TRY(Install("tdx", MakeTdx(c.tdx, flags), registry));
  if (Allowed(c, "tpm")) TRY(Install("tpm", MakeTpm(c), registry));
  if (c.insecure_sample_tee) {
    LOG_WARN(
        "{} insecure_sample_tee = true: the sample TEE's evidence proves nothing, and any client "
        "that sends it is attested; never use this where a secret matters",
        kAs);
    registry.Register("sample", tee::sample::NewVerifier());
  } else {
    registry.Refuse("sample",
                    "the sample TEE proves nothing and is off; a test or demo KBS "
                    "turns it on with " +
                        std::string(kAs) + " insecure_sample_tee = true");
  }
  return Ok();
}

}  // namespace cocoon::kbs_main
