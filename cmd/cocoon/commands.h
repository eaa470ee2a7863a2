// Registration of the cocoon CLI's subcommand groups.
#pragma once

#include <CLI/CLI.hpp>

namespace cocoon::cli {

// `cocoon kbs attest|get-resource|set-resource|delete-resource|set-policy|set-reference-value`.
// Each command's callback stores its process exit code in *exit_code.
void AddKbsCommands(CLI::App& app, int* exit_code);

// `cocoon policy eval --policy FILE… [--input FILE|-] [--data FILE] --query QUERY [--format F]
// [--strict]`, `cocoon policy test DIR`.
void AddPolicyCommands(CLI::App& app, int* exit_code);

// `cocoon image pull|unpack` (and the group itself); returns the `image` subcommand so that
// other files can add theirs.
CLI::App* AddImageCommands(CLI::App& app, int* exit_code);

// `cocoon image encrypt|sign|verify|inspect`, added to the `image` subcommand.
void AddImageBuildCommands(CLI::App* image, int* exit_code);

// `cocoon guest build`: the pod VM's kernel + initramfs and their digests.
void AddGuestCommands(CLI::App& app, int* exit_code);

// `cocoon verify-evidence --tee KIND --evidence FILE [options]` (tee/offline.h).
void AddEvidenceCommands(CLI::App& app, int* exit_code);

// `cocoon run [flags] IMAGE [CMD…]` and `cocoon demo`.
void AddRunCommands(CLI::App& app, int* exit_code);

// `cocoon doctor [--json]`: what this host can run and what to install (runtime/doctor.h).
void AddDoctorCommand(CLI::App& app, int* exit_code);

// `cocoon install --containerd` / `cocoon uninstall --containerd` (shim/install.h).
void AddInstallCommands(CLI::App& app, int* exit_code);

}  // namespace cocoon::cli
