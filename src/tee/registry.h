// One registration per TEE, by its kbs-types name ("sample", "snp", "tdx", "tpm"): how the guest
// detects it and makes its attester (AttesterFactory), and how the relying party makes its
// verifier from the KBS configuration and verifies one piece of evidence offline
// (VerifierFactory). Each TEE provides both in its folder (tee/<name>/registration.h); the mains
// fill the tables explicitly (tee/builtin.h), never through static initialisers. The two sides
// are separate tables so that the guest agent links no verifier code.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "tee/offline.h"
#include "tee/tee.h"

namespace cocoon::tee {

// ---- the guest: attesters ----------------------------------------------------------------------

struct AttesterOptions {
  std::string tpm_tcti = "device:/dev/tpmrm0";  // tpm2-tss TCTI of the TPM attester
  // The pod's initdata TOML, for a TEE that binds it when its attester is made (the TPM extends
  // PCR 8 with its digest). Empty: none.
  std::string init_data_toml;
};

struct AttesterFactory {
  std::string name;
  // True when the guest runs in this TEE (its device exists). Empty: never detected (sample).
  std::function<bool()> detect;
  // The attester; its errors name what is missing (device, library, initdata algorithm).
  std::function<Result<std::unique_ptr<Attester>>(const AttesterOptions&)> create;
};

class AttesterTable {
 public:
  // Replaces a factory registered under the same name (keeping its place in the order).
  void Register(AttesterFactory factory);
  // The name of the first registered TEE (in registration order) whose detect() is true, else
  // `fallback`.
  std::string Detect(std::string_view fallback) const;
  // Registered names, sorted.
  std::vector<std::string> Names() const;
  // NotFound naming the registered TEEs for an unknown name; else the factory's result.
  Result<std::unique_ptr<Attester>> Create(std::string_view name,
                                           const AttesterOptions& options) const;

 private:
  std::vector<AttesterFactory> factories_;
};

// An attester that reports `error` on every GetEvidence: what the guest uses when its TEE's
// attester could not be made, so every request names why.
std::unique_ptr<Attester> NewUnavailableAttester(std::string tee, Error error);

// ---- the relying party: verifiers --------------------------------------------------------------

// [attestation_service.verifier_config.tpm_verifier]: AK public keys (PEM, DER SPKI or
// TPMT_PUBLIC files) and root bundles (PEM or DER) for AK certificate chains.
struct TpmVerifierSettings {
  std::vector<std::string> trusted_ak_keys;
  std::vector<std::string> trusted_ak_roots;
};

// [attestation_service.verifier_config.tdx_verifier]: where DCAP collateral comes from. Without
// `collateral` TDX quotes are refused (the QE identity could not be checked).
struct TdxVerifierSettings {
  std::string collateral;  // a directory (docs/evidence.md) or an http(s):// PCCS/PCS base URL
  std::string root;        // PEM or DER replacing the built-in Intel SGX Root CA
  bool accept_out_of_date = false;
};

// [attestation_service.verifier_config.snp_verifier]: VCEKs and the CRLs that revoke AMD keys.
struct SnpVerifierSettings {
  std::string kds_url = "https://kdsintf.amd.com";  // "" = never fetch
  std::string cache_dir;  // VCEKs and CRLs fetched from kds_url are kept here
  std::string crl_dir;    // offline: <Product>.crl files (PEM or DER); no CRL fetches
};

// What the KBS configuration says about verifiers.
struct VerifierSettings {
  // TEEs /auth accepts. A listed TEE whose verifier lacks its roots of trust is refused at
  // /auth naming the missing setting.
  std::vector<std::string> allowed_tees = {"snp", "tdx", "tpm"};
  // The sample TEE's evidence proves nothing: accepted (in addition to allowed_tees) only when
  // this is set.
  bool insecure_sample_tee = false;
  TpmVerifierSettings tpm;
  TdxVerifierSettings tdx;
  SnpVerifierSettings snp;
};

struct VerifierFactory {
  std::string name;
  // Evidence that proves nothing (sample): enabled only by insecure_sample_tee, never by
  // allowed_tees.
  bool proves_nothing = false;
  // The verifier for `settings`. FailedPrecondition when the settings give it no roots of trust
  // (the TEE is then refused at /auth with the message); other errors are configuration errors.
  std::function<Result<std::unique_ptr<Verifier>>(const VerifierSettings&)> create;
  // `cocoon verify-evidence --tee NAME`.
  OfflineVerifyFn verify_offline;
};

class VerifierTable {
 public:
  // Replaces a factory registered under the same name (keeping its place in the order).
  void Register(VerifierFactory factory);
  // The factory; nullptr for an unknown name.
  const VerifierFactory* Find(std::string_view name) const;
  // Registered names, sorted.
  std::vector<std::string> Names() const;
  // Factories in registration order.
  const std::vector<VerifierFactory>& factories() const { return factories_; }

 private:
  std::vector<VerifierFactory> factories_;
};

}  // namespace cocoon::tee
