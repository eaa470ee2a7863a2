// Safe application of OCI layer tar streams onto a rootfs directory, and a staging directory
// that makes an unpacked rootfs visible only once every layer applied. The tar bytes and the
// tree being modified are untrusted; path confinement is enforced by the kernel (openat2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "base/limits.h"
#include "image/stream.h"

namespace cocoon::image {

struct UnpackOptions {
  bool allow_devices = false;   // create device nodes and fifos (else skipped and counted)
  bool apply_ownership = true;  // chown entries when running as root (else skipped, counted)
  size_t max_entries = limits::kTarMaxEntries;
  uint64_t max_bytes = limits::kTarMaxUnpackedBytes;  // sum of declared regular-file sizes
  size_t max_depth = limits::kTarMaxPathDepth;        // path components of one entry
  size_t max_path_bytes = limits::kTarPathMaxBytes;
  size_t max_xattr_bytes = limits::kTarXattrMaxBytes;
};

struct UnpackStats {
  uint64_t entries = 0;  // tar headers read, including whiteouts and skipped ones
  uint64_t files = 0;
  uint64_t dirs = 0;
  uint64_t symlinks = 0;
  uint64_t hardlinks = 0;
  uint64_t whiteouts = 0;
  uint64_t opaque_dirs = 0;
  uint64_t file_bytes = 0;
  uint64_t devices_skipped = 0;    // char/block devices, fifos, sockets not created
  uint64_t ownership_skipped = 0;  // entries whose uid/gid could not be applied (not root)
  uint64_t xattrs_set = 0;
  uint64_t xattrs_skipped = 0;  // EPERM/ENOTSUP/..., trusted.overlay.*, or on symlinks
};

// Applies one uncompressed tar layer (ustar, pax incl. SCHILY.xattr, GNU long names) read from
// `tar` onto the directory open as `rootfs_dirfd`, with OCI layer semantics: later entries
// replace earlier ones (a file over a directory removes the directory), `.wh.NAME` removes NAME
// from lower layers, `.wh..wh..opq` empties its directory of everything not created by this
// layer. Regular files are streamed (constant memory). Directory modes and mtimes are applied
// after the last entry. After the tar end-of-archive the rest of `tar` is read and discarded so
// an upstream digest sees every byte.
//
// Entry names are cleaned like containerd (".", empty components dropped; "a/../b" is "b") but
// absolute names are rejected, not re-rooted: OCI layer paths are relative and no layer tool
// writes absolute ones. Symlinks inside the root are followed when they are parents of an
// entry; a parent that resolves outside the root (absolute symlink, "../" symlink) is rejected.
// Errors name the entry: InvalidArgument (absolute name, bad whiteout, malformed entry),
// PermissionDenied (".." escape, parent resolving outside the root through a symlink, hard link
// to outside), ResourceExhausted (kTarMaxEntries, kTarMaxUnpackedBytes, kTarMaxPathDepth,
// kTarPathMaxBytes, kTarXattrMaxBytes; checked on each header, before its data is written),
// FailedPrecondition (parent is not a directory), NotFound (hard link target missing),
// DataLoss (truncated or corrupt tar), the source's own error, Internal (other syscalls).
Result<UnpackStats> UnpackLayer(Source& tar, int rootfs_dirfd, const UnpackOptions& options = {});

// A rootfs being assembled at `<target>.staging-XXXXXX/rootfs`. Commit renames the staging
// directory to `target` (which then holds `rootfs/` plus whatever else was written into
// staging_dir(), e.g. config.json). Destruction without Commit, or any failed layer, removes the
// staging directory: nothing half-written ever appears at `target`.
class StagedRootfs {
 public:
  // FailedPrecondition if `target` exists; Internal if the staging directory cannot be made.
  static Result<StagedRootfs> Create(const std::string& target);
  StagedRootfs(StagedRootfs&& other) noexcept;
  StagedRootfs& operator=(StagedRootfs&&) = delete;
  ~StagedRootfs();

  const std::string& staging_dir() const { return staging_; }
  std::string rootfs_path() const { return staging_ + "/rootfs"; }
  int rootfs_fd() const { return rootfs_fd_; }

  // UnpackLayer into the staging rootfs. After a failure the stage is poisoned: Commit refuses.
  Result<UnpackStats> ApplyLayer(Source& tar, const UnpackOptions& options = {});
  // Atomically renames staging to target (RENAME_NOREPLACE). FailedPrecondition after a failed
  // layer, a second Commit, or when target appeared meanwhile.
  Status Commit();

 private:
  StagedRootfs(std::string target, std::string staging, int rootfs_fd)
      : target_(std::move(target)), staging_(std::move(staging)), rootfs_fd_(rootfs_fd) {}
  void Discard();

  std::string target_;
  std::string staging_;
  int rootfs_fd_ = -1;
  bool poisoned_ = false;
  bool committed_ = false;
};

}  // namespace cocoon::image
