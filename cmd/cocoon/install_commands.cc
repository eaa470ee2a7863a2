// `cocoon install --containerd` and `cocoon uninstall --containerd`: flags only; the work is in
// shim/install.h.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "base/logging.h"
#include "cmd/cocoon/commands.h"
#include "shim/install.h"

namespace cocoon::cli {
namespace {

void AddInstallFlags(CLI::App* cmd, shim::InstallOptions& o, bool& containerd) {
  cmd->add_flag("--containerd", containerd,
                "the containerd runtime handler `cocoon` (the one integration there is today)")
      ->required();
  cmd->add_option("--host-root", o.host_root,
                  "where the node's / is mounted (the installer DaemonSet mounts it at /host)")
      ->capture_default_str();
  cmd->add_option("--prefix", o.prefix, "install directory on the node")->capture_default_str();
  cmd->add_option("--containerd-config", o.containerd_config, "containerd's config on the node")
      ->capture_default_str();
  cmd->add_option("--shim-config", o.shim_config,
                  "the shim's config (written with defaults when absent)")
      ->capture_default_str();
  cmd->add_option("--snapshotter-socket", o.snapshotter_socket,
                  "the snapshotter's gRPC socket (containerd's proxy_plugins.cocoon.address)")
      ->capture_default_str();
  cmd->add_option("--snapshotter-root", o.snapshotter_root, "the snapshotter's state directory")
      ->capture_default_str();
  cmd->add_option("--shim-link", o.shim_link,
                  "a link to the shim on containerd's PATH (containerd 1.6 looks there)")
      ->capture_default_str();
  cmd->add_option("--systemd-dir", o.systemd_dir, "where the snapshotter's unit goes")
      ->capture_default_str();
  cmd->add_flag("!--no-restart", o.restart,
                "do not run systemctl (start the snapshotter and restart containerd yourself)");
}

void Report(const Result<shim::InstallReport>& r, const char* what, int* exit_code) {
  if (!r) {
    std::fprintf(stderr, "cocoon %s: %s\n", what, r.error().ToString().c_str());
    *exit_code = 1;
    return;
  }
  if (r->changed.empty()) std::printf("%s: nothing to change\n", what);
  for (const auto& line : r->changed) std::printf("%s\n", line.c_str());
  *exit_code = 0;
}

}  // namespace

void AddInstallCommands(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<shim::InstallOptions>();
  auto containerd = std::make_shared<bool>(false);
  auto* install = app.add_subcommand(
      "install",
      "Install cocoon on this node for containerd: the shim, the snapshotter (a systemd unit), "
      "the agent, containerd's runtime handler `cocoon` (config.toml edited in place; the "
      "operator's file kept as config.toml.cocoon-orig), then restart containerd. Idempotent.");
  AddInstallFlags(install, *opts, *containerd);
  install->add_option("--from", opts->source_dir,
                      "directory holding the binaries to install (default: this binary's)");
  install->add_option("--guest-dir", opts->guest_dir,
                      "a built guest image to install (default: the shim builds it on first use)");
  install->add_option("--sandbox-image", opts->sandbox_image,
                      "the pause image containerd's CRI uses (default: keep containerd's)");
  install->callback([opts, exit_code] {
    shim::InstallOptions o = *opts;
    if (o.source_dir.empty()) {
      std::error_code ec;
      o.source_dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path().string();
    }
    Report(shim::InstallContainerd(o), "install", exit_code);
  });

  auto uopts = std::make_shared<shim::InstallOptions>();
  auto ucontainerd = std::make_shared<bool>(false);
  auto* uninstall = app.add_subcommand(
      "uninstall",
      "Undo `cocoon install`: restore containerd's config, remove the files and the unit, restart "
      "containerd. Give the same flags as the install.");
  AddInstallFlags(uninstall, *uopts, *ucontainerd);
  uninstall->callback([uopts, exit_code] {
    Report(shim::UninstallContainerd(*uopts), "uninstall", exit_code);
  });
}

}  // namespace cocoon::cli
