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
  app.parse_complete_callback([&] { cocoon::base::InitLogging(log_level); });
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
