// Applies decoded tar entries to a rootfs with OCI layer semantics (replacement, whiteouts,
// opaque directories) through fd-relative syscalls confined beneath the root. Entry fields come
// from an untrusted tar; names are already cleaned by CleanEntryPath.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/error.h"
#include "image/internal/beneath.h"
#include "image/layer/unpack.h"

namespace cocoon::image::internal {

struct TarEntry {
  std::string name;       // as in the archive, for error messages
  std::string path;       // cleaned, relative; "" is the root itself
  mode_t type = S_IFREG;  // S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK
  mode_t perm = 0644;     // 07777 bits
  uint32_t uid = 0;
  uint32_t gid = 0;
  bool has_mtime = false;
  timespec mtime{};
  std::string symlink;   // symlink target, stored as-is
  std::string hardlink;  // cleaned hard link target path; non-empty means hard link
  dev_t rdev = 0;
  int64_t size = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

// Cleans a tar name: drops "." and empty components, resolves ".." lexically. InvalidArgument
// for an absolute or empty name, PermissionDenied when ".." climbs above the root,
// ResourceExhausted when longer than max_bytes. `what` ("entry", "hard link target") and `entry`
// name the failure.
Result<std::string> CleanEntryPath(std::string_view raw, size_t max_bytes, std::string_view what,
                                   std::string_view entry);

class LayerApplier {
 public:
  LayerApplier(int root_fd, const UnpackOptions& options);

  // Everything except regular-file data. For a regular file (no hard link) returns the open,
  // empty file for the caller to fill; otherwise an invalid Fd.
  Result<Fd> Apply(const TarEntry& e);
  // Sets size, ownership, mode, xattrs and mtime of a file returned by Apply.
  Status FinishFile(const TarEntry& e, int fd);
  // Applies deferred directory modes and mtimes.
  Status Finish();

  UnpackStats& stats() { return stats_; }

 private:
  struct DeferredDir {
    std::string path;
    mode_t perm;
    bool has_mtime;
    timespec mtime;
  };

  Result<Fd> Parent(const TarEntry& e, std::string_view parent);
  Status Clear(const TarEntry& e, int parent_fd, const std::string& base, bool keep_dir);
  Status Directory(const TarEntry& e, int parent_fd, const std::string& base);
  Status Symlink(const TarEntry& e, int parent_fd, const std::string& base);
  Status HardLink(const TarEntry& e, int parent_fd, const std::string& base);
  Status Special(const TarEntry& e, int parent_fd, const std::string& base);
  Status Whiteout(const TarEntry& e, std::string_view parent, const std::string& name);
  Status Opaque(const TarEntry& e, std::string_view parent);
  Status Chown(const TarEntry& e, int parent_fd, const std::string& base, int fd);
  Status SetXattrs(const TarEntry& e, int fd);
  void MarkUnpacked(std::string_view path);

  int root_fd_;
  UnpackOptions options_;
  bool root_ = false;
  UnpackStats stats_;
  std::unordered_set<std::string> unpacked_;  // paths created by this layer (and ancestors)
  std::vector<DeferredDir> dirs_;
};

}  // namespace cocoon::image::internal
