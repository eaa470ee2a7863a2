// openat2-confined path resolution and fd-relative removal; see beneath.h. The tree being
// modified is untrusted: nothing here follows a symlink out of the root.
#include "image/internal/beneath.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <vector>

namespace cocoon::image::internal {
namespace {

std::atomic<bool> g_force_walk{false};
std::atomic<bool> g_no_openat2{false};

std::expected<Fd, Errno> Openat2(int root_fd, const char* path, int flags, mode_t mode) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0; attempt < 16; ++attempt) {
    long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof how);
    if (fd >= 0) return Fd(static_cast<int>(fd));
    if (errno != EINTR && errno != EAGAIN) return std::unexpected(errno);
  }
  return std::unexpected(EAGAIN);
}

bool IsSymlinkAt(int dir_fd, const char* name) {
  struct stat st;
  return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

// Component walk for kernels without openat2: every component opened with O_NOFOLLOW; any
// symlink on the way (or a final one the caller wanted followed) is refused as EXDEV.
std::expected<Fd, Errno> Walk(int root_fd, std::string_view rel, int flags, mode_t mode) {
  int cur = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  if (cur < 0) return std::unexpected(errno);
  Fd dir(cur);
  if (rel.empty()) {
    int fd = openat(dir.get(), ".", flags | O_CLOEXEC, mode);
    if (fd < 0) return std::unexpected(errno);
    return Fd(fd);
  }
  while (true) {
    size_t slash = rel.find('/');
    std::string comp(rel.substr(0, slash));
    bool last = slash == std::string_view::npos;
    int f = last ? (flags | O_NOFOLLOW) : (O_PATH | O_DIRECTORY | O_NOFOLLOW);
    int fd = openat(dir.get(), comp.c_str(), f | O_CLOEXEC, mode);
    if (fd < 0) {
      int err = errno;
      if ((err == ELOOP || err == ENOTDIR) && IsSymlinkAt(dir.get(), comp.c_str())) err = EXDEV;
      return std::unexpected(err);
    }
    if (last) return Fd(fd);
    dir = Fd(fd);
    rel = rel.substr(slash + 1);
  }
}

}  // namespace

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

void ForceWalkFallbackForTesting(bool on) { g_force_walk = on; }

std::expected<Fd, Errno> OpenBeneath(int root_fd, std::string_view rel, int flags, mode_t mode) {
  if (!g_force_walk && !g_no_openat2) {
    std::string path = rel.empty() ? std::string(".") : std::string(rel);
    auto fd = Openat2(root_fd, path.c_str(), flags, mode);
    if (fd || fd.error() != ENOSYS) return fd;
    g_no_openat2 = true;
  }
  return Walk(root_fd, rel, flags, mode);
}

std::expected<Fd, Errno> MkdirAllBeneath(int root_fd, std::string_view rel) {
  auto full = OpenBeneath(root_fd, rel, O_PATH | O_DIRECTORY);
  if (full || full.error() != ENOENT) return full;
  auto parent = OpenBeneath(root_fd, "", O_PATH | O_DIRECTORY);
  if (!parent) return parent;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t slash = rel.find('/', start);
    size_t end = slash == std::string_view::npos ? rel.size() : slash;
    std::string_view prefix = rel.substr(0, end);
    auto next = OpenBeneath(root_fd, prefix, O_PATH | O_DIRECTORY);
    if (!next && next.error() == ENOENT) {
      std::string comp(rel.substr(start, end - start));
      if (mkdirat(parent->get(), comp.c_str(), 0755) != 0 && errno != EEXIST) {
        return std::unexpected(errno);
      }
      next = OpenBeneath(root_fd, prefix, O_PATH | O_DIRECTORY);
      if (!next && next.error() == ENOENT) return std::unexpected(ENOTDIR);  // dangling link
    }
    if (!next) return next;
    parent = std::move(next);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parent;
}

Errno RemoveChildrenExcept(int dir_fd, bool (*keep)(void* ctx, std::string_view name), void* ctx) {
  int dup_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return errno;
  DIR* d = fdopendir(dup_fd);
  if (d == nullptr) {
    int err = errno;
    close(dup_fd);
    return err;
  }
  std::vector<std::string> doomed;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (keep == nullptr || !keep(ctx, name)) doomed.emplace_back(name);
  }
  closedir(d);
  for (const std::string& name : doomed) {
    if (Errno err = RemoveAllAt(dir_fd, name.c_str()); err != 0) return err;
  }
  return 0;
}

Errno RemoveAllAt(int dir_fd, const char* name) {
  struct stat st;
  if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT ? 0 : errno;
  if (!S_ISDIR(st.st_mode)) {
    return unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT ? 0 : errno;
  }
  int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == EACCES && fchmodat(dir_fd, name, 0700, 0) == 0) {
    fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0) return errno;
  Fd dir(fd);
  if ((st.st_mode & 0700) != 0700) fchmod(dir.get(), 0700);  // non-root: allow unlink inside
  if (Errno err = RemoveChildrenExcept(dir.get(), nullptr, nullptr); err != 0) return err;
  return unlinkat(dir_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : errno;
}

}  // namespace cocoon::image::internal
