// cocoon: the user CLI. Subcommands are registered by their own files (kbs_commands.cc, …).
#include <CLI/CLI.hpp>

#include "base/logging.h"
#include "cmd/cocoon/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"cocoon: Confidential Containers — attestation, key broker client, images"};
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error");
  app.set_version_flag("--version", "cocoon 0.1.0");
  int exit_code = 0;
  cocoon::cli::AddKbsCommands(app, &exit_code);
  cocoon::cli::AddPolicyCommands(app, &exit_code);
  CLI::App* image = cocoon::cli::AddImageCommands(app, &exit_code);
  cocoon::cli::AddImageBuildCommands(image, &exit_code);
  cocoon::cli::AddGuestCommands(app, &exit_code);
  cocoon::cli::AddEvidenceCommands(app, &exit_code);
  cocoon::cli::AddRunCommands(app, &exit_code);
  cocoon::cli::AddDoctorCommand(app, &exit_code);
  cocoon::cli::AddInstallCommands(app, &exit_code);
  app.parse_complete_callback([&] { cocoon::base::InitLogging(log_level); });
  try {  // CLI11 reports usage errors by exception; this is its one adapter.
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);  // prints help, version or the usage error
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}
