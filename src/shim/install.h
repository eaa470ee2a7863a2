// `cocoon install --containerd` / `cocoon uninstall --containerd`: puts the shim, the
// snapshotter and the agent on a node, declares the runtime handler `cocoon` in containerd's
// config, and takes all of it back out.
//
// containerd 1.6 replaces whole plugin tables when it merges an `imports` drop-in, and a
// `runtimes` map that names only `cocoon` drops `runc` (docs/kubernetes.md, "How the installer
// edits containerd's config"), so the installer edits /etc/containerd/config.toml in place: the
// operator's file is kept beside it as `config.toml.cocoon-orig` and every install rewrites
// the config from that copy, so installing twice gives the same file and uninstalling restores
// the operator's bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace cocoon::shim {

struct InstallOptions {
  // Everything below is a path on the node; host_root is where the node's `/` is mounted
  // ("/" on the node itself, "/host" in the installer DaemonSet's pod).
  std::string host_root = "/";
  std::string prefix = "/opt/cocoon";
  std::string containerd_config = "/etc/containerd/config.toml";
  std::string shim_config = "/etc/cocoon/shim.toml";
  std::string snapshotter_socket = "/run/cocoon/snapshotter.sock";
  std::string snapshotter_root = "/var/lib/cocoon-snapshotter";
  // Where containerd finds the shim for CRI pods (containerd 1.6.20 looks on its PATH).
  std::string shim_link = "/usr/local/bin/containerd-shim-cocoon-v2";
  std::string systemd_dir = "/etc/systemd/system";
  // Directory holding the binaries to install (cocoon, containerd-shim-cocoon-v2,
  // cocoon-snapshotter, cocoon-agent): in the container image or the build tree.
  std::string source_dir;
  // A built guest image (kernel + initramfs, `cocoon guest build`) to install; empty: the shim
  // builds one from the agent on the first pod.
  std::string guest_dir;
  // The pause image containerd's CRI uses for sandboxes; empty keeps the config's (or default).
  std::string sandbox_image;
  // Run systemctl (daemon-reload, enable --now cocoon-snapshotter, restart containerd); with a
  // host_root other than "/", through `nsenter --target 1` into the node's namespaces.
  bool restart = true;
};

// The binaries an install copies into <prefix>/bin.
const std::vector<std::string>& InstalledBinaries();

// containerd's config with cocoon's runtime handler: `original` is the operator's file (empty
// when there was none). Keeps everything else, restates `runtimes.runc` when absent, sets the CRI
// snapshotter to `cocoon` with snapshot annotations on, and declares the proxy snapshotter.
// InvalidArgument for a TOML error or a config version other than 2 (containerd 1.6/1.7's).
Result<std::string> ContainerdConfigWithCocoon(std::string_view original,
                                               const InstallOptions& options);

struct InstallReport {
  std::vector<std::string> changed;  // what was written or removed, one line each
};

Result<InstallReport> InstallContainerd(const InstallOptions& options);
Result<InstallReport> UninstallContainerd(const InstallOptions& options);

}  // namespace cocoon::shim
