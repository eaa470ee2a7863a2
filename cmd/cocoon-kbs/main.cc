// cocoon-kbs: Key Broker Service + built-in Attestation Service, wire-compatible with Trustee's
// KBS protocol 0.4.0. Reads a Trustee-style TOML config (--config-file); the TEEs it can verify
// are the built-in ones (tee/builtin.h), enabled as the config says (kbs/verifiers.h).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "base/logging.h"
#include "kbs/config.h"
#include "kbs/server.h"
#include "kbs/verifiers.h"
#include "tee/builtin.h"

namespace {

using cocoon::Result;

// Command-line overrides of [attestation_service.verifier_config.tdx_verifier].
struct TdxFlags {
  std::string collateral;
  std::string root;
  bool accept_out_of_date = false;
};

void ApplyTdxFlags(const TdxFlags& flags, cocoon::tee::TdxVerifierSettings& tdx) {
  if (!flags.collateral.empty()) tdx.collateral = flags.collateral;
  if (!flags.root.empty()) tdx.root = flags.root;
  if (flags.accept_out_of_date) tdx.accept_out_of_date = true;
}

int Run(const cocoon::kbs::KbsConfig& config) {
  cocoon::tee::VerifierTable tees;
  cocoon::tee::RegisterBuiltinVerifiers(tees);
  cocoon::tee::VerifierRegistry verifiers;
  if (auto st =
          cocoon::kbs::InstallVerifiers(tees, config.attestation_service.verifiers, verifiers);
      !st) {
    spdlog::error("attestation_service: {}", st.error().ToString());
    return 1;
  }
  auto server = cocoon::kbs::KbsServer::Start(config, &verifiers);
  if (!server) {
    spdlog::error("{}", server.error().message());
    return 1;
  }
  (*server)->Wait(/*handle_signals=*/true);
  spdlog::info("cocoon-kbs shutting down");
  (*server)->Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cocoon-kbs: Key Broker Service with built-in Attestation Service (Trustee KBS "
      "protocol 0.4.0)"};
  std::string config_file, log_level = "info";
  app.add_option("-c,--config-file", config_file,
                 "TOML configuration file (Trustee KBS format; see docs/config.md)")
      ->envname("KBS_CONFIG_FILE");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error");
  TdxFlags tdx;
  app.add_option("--tdx-collateral", tdx.collateral,
                 "TDX DCAP collateral: a directory (docs/evidence.md) or a PCCS/PCS base URL "
                 "(overrides tdx_verifier.collateral)");
  app.add_option("--tdx-root", tdx.root,
                 "TDX: PEM or DER replacing the built-in Intel SGX Root CA (overrides "
                 "tdx_verifier.root)");
  app.add_flag("--tdx-accept-out-of-date", tdx.accept_out_of_date,
               "TDX: accept TCB status OutOfDate (reported in the tcb_status claim)");
  app.set_version_flag("--version", "cocoon-kbs 0.1.0");
  CLI11_PARSE(app, argc, argv);
  cocoon::base::InitLogging(log_level);

  auto config = config_file.empty()
                    ? Result<cocoon::kbs::KbsConfig>(cocoon::kbs::DefaultKbsConfig())
                    : cocoon::kbs::LoadKbsConfig(config_file);
  if (!config) {
    spdlog::error("configuration: {}", config.error().ToString());
    return 1;
  }
  if (log_level == "info" && config->log_level != "info") {
    cocoon::base::SetLogLevel(config->log_level);
  }
  ApplyTdxFlags(tdx, config->attestation_service.verifiers.tdx);
  return Run(*config);
}
