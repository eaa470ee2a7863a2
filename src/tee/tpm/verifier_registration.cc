// The TPM verifier from [attestation_service.verifier_config.tpm_verifier]: its AK trust
// anchors.
#include "base/file.h"
#include "crypto/x509.h"
#include "tee/tpm/registration.h"
#include "tee/tpm/tpm.h"

namespace cocoon::tee::tpm {
namespace {

// FailedPrecondition (kNoAkAnchor) without any trusted AK or AK root.
Result<std::unique_ptr<Verifier>> MakeVerifier(const TpmVerifierSettings& c) {
  VerifierOptions o;
  for (const auto& path : c.trusted_ak_keys) {
    ASSIGN_OR_RETURN(std::string bytes, base::ReadFile(path, "trusted_ak_keys", 1 << 20));
    auto ak = LoadAk(AsBytes(bytes));
    if (!ak) return std::unexpected(ak.error().WithContext("trusted_ak_keys " + path));
    o.trusted_aks.push_back(std::move(*ak));
  }
  for (const auto& path : c.trusted_ak_roots) {
    ASSIGN_OR_RETURN(auto roots, crypto::LoadCertificates(path, "trusted_ak_roots"));
    o.ak_roots.insert(o.ak_roots.end(), roots.begin(), roots.end());
  }
  if (o.trusted_aks.empty() && o.ak_roots.empty()) return FailedPrecondition(kNoAkAnchor);
  return NewVerifier(std::move(o));
}

}  // namespace

VerifierFactory VerifierRegistration() {
  return {.name = "tpm",
          .create = [](const VerifierSettings& s) { return MakeVerifier(s.tpm); },
          .verify_offline = &VerifyOffline};
}

}  // namespace cocoon::tee::tpm
