// File-descriptor-relative filesystem primitives for unpacking beneath a root directory. Path
// resolution is confined by the kernel (openat2 RESOLVE_BENEATH); paths passed here are already
// cleaned (relative, no "." or ".." components) but the filesystem content is untrusted.
#pragma once

#include <sys/types.h>

#include <expected>
#include <string_view>
#include <utility>

namespace cocoon::image::internal {

// Owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// errno on failure; EXDEV means the resolution tried to leave the root (".." or a symlink that
// is absolute or points outside).
using Errno = int;

// openat2(root_fd, rel, flags, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS). Symlinks inside the
// root are followed (except the last component when flags has O_NOFOLLOW). When openat2 is
// unavailable (ENOSYS) a component walk with O_NOFOLLOW is used instead, which refuses every
// symlink on the way (EXDEV) — stricter, never looser. `rel` "" opens the root itself.
std::expected<Fd, Errno> OpenBeneath(int root_fd, std::string_view rel, int flags, mode_t mode = 0);

// Opens directory `rel` (O_PATH) beneath the root, creating missing components with mode 0755.
// ENOTDIR when a component exists and is not a directory.
std::expected<Fd, Errno> MkdirAllBeneath(int root_fd, std::string_view rel);

// Removes `name` in `dir_fd` and, if it is a directory, everything below it, never following
// symlinks. Missing is success. Directories without write permission are chmod-ed first (for
// non-root unpacking). Returns 0 or errno.
Errno RemoveAllAt(int dir_fd, const char* name);

// Removes every entry of the directory open as `dir_fd` (O_RDONLY) for which keep(ctx, name)
// is false. Returns 0 or errno.
Errno RemoveChildrenExcept(int dir_fd, bool (*keep)(void* ctx, std::string_view name), void* ctx);

// Test hook: use the component walk even when openat2 exists.
void ForceWalkFallbackForTesting(bool on);

}  // namespace cocoon::image::internal
