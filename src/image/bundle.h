// OCI runtime bundle config (config.json) derived from an OCI image config, as `umoci unpack`
// does with `crun spec` defaults. The image config and the rootfs's /etc/passwd and /etc/group
// are untrusted (read beneath the rootfs, size-limited).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace cocoon::image {

struct BundleOptions {
  std::optional<std::vector<std::string>> args;  // replaces the image's Cmd
  std::string rootfs_path = "rootfs";            // root.path
  bool terminal = false;
  std::string hostname = "cocoon";
  // The unpacked rootfs, to resolve user and group names and HOME. -1: names are NotFound.
  int rootfs_dirfd = -1;
};

struct ExecUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  std::string home = "/";
};

// Resolves an image config `User` ("", "uid", "name", "uid:gid", "name:group", ...) like runc's
// GetExecUser: numeric ids are used directly (a passwd entry still supplies gid and home); names
// are looked up in the rootfs's etc/passwd and etc/group opened beneath `rootfs_dirfd`;
// supplementary groups are those listing the user when no group was given. NotFound for an
// unknown name, InvalidArgument for a malformed spec, PermissionDenied when etc/passwd resolves
// outside the rootfs, ResourceExhausted past kRootfsPasswdMaxBytes.
Result<ExecUser> ResolveUser(std::string_view user, int rootfs_dirfd);

// The runtime-spec config: process.args = Entrypoint + Cmd (or + options.args), env with a
// default PATH and TERM=xterm plus HOME, cwd = WorkingDir or "/", user from ResolveUser, crun's
// default mounts, namespaces, capabilities, masked/readonly paths, rlimits; Volumes as tmpfs
// mounts; annotations from Labels and the org.opencontainers.image.* conversion keys.
// InvalidArgument when the config is not an object, a field has the wrong type, or os is not
// linux; errors from ResolveUser.
Result<Json> RuntimeConfigFromImageConfig(const Json& image_config,
                                          const BundleOptions& options = {});

// Writes `dir`/config.json (0644) atomically (temp file + rename). Internal on I/O failure.
Status WriteBundle(const std::string& dir, const Json& config);

}  // namespace cocoon::image
