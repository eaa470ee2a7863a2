// LayerApplier: one tar entry at a time onto a rootfs, every syscall relative to a directory fd
// resolved beneath the root. Entry contents and the existing tree are untrusted.
#include "image/layer/internal/layer_applier.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cocoon::image::internal {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr std::string_view kWhiteoutMeta = ".wh..wh.";

std::string Quote(std::string_view name) {
  constexpr size_t kMax = 200;
  std::string s(name.substr(0, kMax));
  if (name.size() > kMax) s += "...";
  return "'" + s + "'";
}

std::unexpected<Error> Fail(Code code, const TarEntry& e, const std::string& what) {
  return MakeError(code, "tar entry " + Quote(e.name) + ": " + what);
}

std::unexpected<Error> SysFail(const TarEntry& e, const std::string& op, int err) {
  return Fail(Code::kInternal, e, op + ": " + std::strerror(err));
}

std::pair<std::string_view, std::string> SplitPath(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {"", std::string(path)};
  return {path.substr(0, slash), std::string(path.substr(slash + 1))};
}

std::string Join(std::string_view parent, std::string_view name) {
  return parent.empty() ? std::string(name) : std::string(parent) + "/" + std::string(name);
}

}  // namespace

Result<std::string> CleanEntryPath(std::string_view raw, size_t max_bytes, std::string_view what,
                                   std::string_view entry) {
  auto fail = [&](Code code, const std::string& why) {
    return MakeError(code, "tar entry " + Quote(entry) + ": " + std::string(what) + " " +
                               Quote(raw) + " " + why);
  };
  if (raw.size() > max_bytes) {
    return fail(Code::kResourceExhausted, "is longer than the limit kTarPathMaxBytes (" +
                                              std::to_string(max_bytes) + " bytes)");
  }
  if (raw.find('\0') != std::string_view::npos) return fail(Code::kInvalidArgument, "has a NUL");
  if (!raw.empty() && raw[0] == '/') {
    return fail(Code::kInvalidArgument, "is absolute (OCI layer paths are relative)");
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t slash = raw.find('/', start);
    size_t end = slash == std::string_view::npos ? raw.size() : slash;
    std::string_view comp = raw.substr(start, end - start);
    if (comp == "..") {
      if (parts.empty()) return fail(Code::kPermissionDenied, "escapes the root ('..')");
      parts.pop_back();
    } else if (!comp.empty() && comp != ".") {
      parts.push_back(comp);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

LayerApplier::LayerApplier(int root_fd, const UnpackOptions& options)
    : root_fd_(root_fd), options_(options), root_(geteuid() == 0) {}

void LayerApplier::MarkUnpacked(std::string_view path) {
  while (!path.empty() && unpacked_.emplace(path).second) {
    size_t slash = path.rfind('/');
    path = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
  }
}

Result<Fd> LayerApplier::Parent(const TarEntry& e, std::string_view parent) {
  auto fd = MkdirAllBeneath(root_fd_, parent);
  if (fd) {
    MarkUnpacked(parent);
    return std::move(*fd);
  }
  switch (fd.error()) {
    case EXDEV:
    case ELOOP:
      return Fail(
          Code::kPermissionDenied, e,
          "parent " + Quote(parent) + " resolves outside the root (through a symlink or '..')");
    case ENOTDIR:
      return Fail(Code::kFailedPrecondition, e, "parent " + Quote(parent) + " is not a directory");
    default:
      return SysFail(e, "opening parent " + Quote(parent), fd.error());
  }
}

Status LayerApplier::Clear(const TarEntry& e, int parent_fd, const std::string& base,
                           bool keep_dir) {
  struct stat st;
  if (fstatat(parent_fd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Ok();
    return SysFail(e, "stat", errno);
  }
  if (keep_dir && S_ISDIR(st.st_mode)) return Ok();
  if (Errno err = RemoveAllAt(parent_fd, base.c_str()); err != 0) {
    return SysFail(e, "removing the existing entry", err);
  }
  return Ok();
}

Result<Fd> LayerApplier::Apply(const TarEntry& e) {
  if (e.path.empty()) {  // the layer root itself: metadata only
    if (e.type != S_IFDIR) return Fail(Code::kInvalidArgument, e, "root entry is not a directory");
    TRY(Chown(e, root_fd_, ".", -1));
    dirs_.push_back({"", e.perm, e.has_mtime, e.mtime});
    return Fd();
  }
  auto [parent, base] = SplitPath(e.path);
  if (base == kOpaqueMarker) {
    TRY(Opaque(e, parent));
    return Fd();
  }
  if (base.starts_with(kWhiteoutMeta)) return Fd();  // aufs metadata (.wh..wh.plnk etc.)
  if (base.starts_with(kWhiteoutPrefix)) {
    TRY(Whiteout(e, parent, base.substr(kWhiteoutPrefix.size())));
    return Fd();
  }
  bool special = e.hardlink.empty() && e.type != S_IFREG && e.type != S_IFDIR && e.type != S_IFLNK;
  if (special && !options_.allow_devices) {
    ++stats_.devices_skipped;
    return Fd();
  }
  ASSIGN_OR_RETURN(Fd parent_fd, Parent(e, parent));
  MarkUnpacked(e.path);
  if (!e.hardlink.empty()) {
    TRY(HardLink(e, parent_fd.get(), base));
    return Fd();
  }
  TRY(Clear(e, parent_fd.get(), base, e.type == S_IFDIR));
  if (e.type == S_IFDIR) {
    TRY(Directory(e, parent_fd.get(), base));
    return Fd();
  }
  if (e.type == S_IFLNK) {
    TRY(Symlink(e, parent_fd.get(), base));
    return Fd();
  }
  if (special) {
    TRY(Special(e, parent_fd.get(), base));
    return Fd();
  }
  int fd = openat(parent_fd.get(), base.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return SysFail(e, "creating file", errno);
  ++stats_.files;
  return Fd(fd);
}

Status LayerApplier::FinishFile(const TarEntry& e, int fd) {
  if (ftruncate(fd, e.size) != 0) return SysFail(e, "ftruncate", errno);
  TRY(Chown(e, -1, "", fd));
  if (fchmod(fd, e.perm) != 0) return SysFail(e, "fchmod", errno);
  TRY(SetXattrs(e, fd));
  if (e.has_mtime) {
    timespec ts[2] = {e.mtime, e.mtime};
    if (futimens(fd, ts) != 0) return SysFail(e, "futimens", errno);
  }
  return Ok();
}

Status LayerApplier::Directory(const TarEntry& e, int parent_fd, const std::string& base) {
  if (mkdirat(parent_fd, base.c_str(), 0700) != 0 && errno != EEXIST) {
    return SysFail(e, "mkdir", errno);
  }
  ++stats_.dirs;
  TRY(Chown(e, parent_fd, base, -1));
  if (!e.xattrs.empty()) {
    int fd = openat(parent_fd, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return SysFail(e, "opening directory", errno);
    Fd dir(fd);
    TRY(SetXattrs(e, dir.get()));
  }
  dirs_.push_back({e.path, e.perm, e.has_mtime, e.mtime});
  return Ok();
}

Status LayerApplier::Symlink(const TarEntry& e, int parent_fd, const std::string& base) {
  if (e.symlink.empty()) return Fail(Code::kInvalidArgument, e, "symlink with an empty target");
  if (symlinkat(e.symlink.c_str(), parent_fd, base.c_str()) != 0) {
    return SysFail(e, "symlink", errno);
  }
  ++stats_.symlinks;
  TRY(Chown(e, parent_fd, base, -1));
  stats_.xattrs_skipped += e.xattrs.size();
  if (e.has_mtime) {
    timespec ts[2] = {e.mtime, e.mtime};
    if (utimensat(parent_fd, base.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0) {
      return SysFail(e, "utimensat", errno);
    }
  }
  return Ok();
}

Status LayerApplier::HardLink(const TarEntry& e, int parent_fd, const std::string& base) {
  auto [tparent, tbase] = SplitPath(e.hardlink);
  if (e.hardlink == e.path) return Ok();
  auto tdir = OpenBeneath(root_fd_, tparent, O_PATH | O_DIRECTORY);
  if (!tdir && (tdir.error() == EXDEV || tdir.error() == ELOOP)) {
    return Fail(Code::kPermissionDenied, e,
                "hard link target " + Quote(e.hardlink) + " resolves outside the root");
  }
  struct stat st;
  if (!tdir || fstatat(tdir->get(), tbase.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return Fail(Code::kNotFound, e, "hard link target " + Quote(e.hardlink) + " does not exist");
  }
  if (S_ISDIR(st.st_mode)) {
    return Fail(Code::kInvalidArgument, e,
                "hard link target " + Quote(e.hardlink) + " is a directory");
  }
  TRY(Clear(e, parent_fd, base, false));
  if (linkat(tdir->get(), tbase.c_str(), parent_fd, base.c_str(), 0) != 0) {
    return SysFail(e, "link to " + Quote(e.hardlink), errno);
  }
  ++stats_.hardlinks;
  return Ok();
}

Status LayerApplier::Special(const TarEntry& e, int parent_fd, const std::string& base) {
  dev_t dev = e.type == S_IFCHR || e.type == S_IFBLK ? e.rdev : 0;
  if (mknodat(parent_fd, base.c_str(), e.type | (e.perm & 0777), dev) != 0) {
    return SysFail(e, "mknod", errno);
  }
  TRY(Chown(e, parent_fd, base, -1));
  if (fchmodat(parent_fd, base.c_str(), e.perm, 0) != 0) return SysFail(e, "chmod", errno);
  return Ok();
}

Status LayerApplier::Whiteout(const TarEntry& e, std::string_view parent, const std::string& name) {
  if (name.empty() || name == "." || name == "..") {
    return Fail(Code::kInvalidArgument, e, "whiteout of an invalid name");
  }
  ++stats_.whiteouts;
  std::string victim = Join(parent, name);
  if (unpacked_.contains(victim)) return Ok();  // whiteouts apply to lower layers only
  auto dir = OpenBeneath(root_fd_, parent, O_PATH | O_DIRECTORY);
  if (!dir) {
    if (dir.error() == ENOENT || dir.error() == ENOTDIR) return Ok();
    if (dir.error() == EXDEV || dir.error() == ELOOP) {
      return Fail(Code::kPermissionDenied, e,
                  "parent " + Quote(parent) + " resolves outside the root");
    }
    return SysFail(e, "opening whiteout parent", dir.error());
  }
  if (Errno err = RemoveAllAt(dir->get(), name.c_str()); err != 0) {
    return SysFail(e, "removing " + Quote(victim), err);
  }
  return Ok();
}

Status LayerApplier::Opaque(const TarEntry& e, std::string_view parent) {
  ASSIGN_OR_RETURN(Fd unused, Parent(e, parent));
  auto dir = OpenBeneath(root_fd_, parent, O_RDONLY | O_DIRECTORY);
  if (!dir) return SysFail(e, "opening opaque directory", dir.error());
  ++stats_.opaque_dirs;
  struct Ctx {
    LayerApplier* self;
    std::string_view parent;
  } ctx{this, parent};
  auto keep = [](void* c, std::string_view name) {
    auto* x = static_cast<Ctx*>(c);
    return x->self->unpacked_.contains(Join(x->parent, name));
  };
  if (Errno err = RemoveChildrenExcept(dir->get(), keep, &ctx); err != 0) {
    return SysFail(e, "emptying opaque directory", err);
  }
  return Ok();
}

Status LayerApplier::Chown(const TarEntry& e, int parent_fd, const std::string& base, int fd) {
  if (!root_ || !options_.apply_ownership) {
    if (e.uid != geteuid() || e.gid != getegid()) ++stats_.ownership_skipped;
    return Ok();
  }
  int rc = fd >= 0 ? fchown(fd, e.uid, e.gid)
                   : fchownat(parent_fd, base.c_str(), e.uid, e.gid, AT_SYMLINK_NOFOLLOW);
  if (rc != 0) return SysFail(e, "chown", errno);
  return Ok();
}

Status LayerApplier::SetXattrs(const TarEntry& e, int fd) {
  for (const auto& [name, value] : e.xattrs) {
    if (name.starts_with("trusted.overlay.")) {
      ++stats_.xattrs_skipped;  // would steer an overlay mount using this tree as a layer
      continue;
    }
    if (fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) == 0) {
      ++stats_.xattrs_set;
      continue;
    }
    int err = errno;
    if (err == EPERM || err == ENOTSUP || err == EACCES || err == EINVAL || err == ERANGE) {
      ++stats_.xattrs_skipped;
      continue;
    }
    return SysFail(e, "setting xattr " + Quote(name), err);
  }
  return Ok();
}

Status LayerApplier::Finish() {
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    auto fd = OpenBeneath(root_fd_, it->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (!fd) continue;  // replaced or removed later in the layer
    if (fchmod(fd->get(), it->perm) != 0) {
      return Internal("chmod of directory " + Quote(it->path) + ": " + std::strerror(errno));
    }
    if (it->has_mtime) {
      timespec ts[2] = {it->mtime, it->mtime};
      futimens(fd->get(), ts);
    }
  }
  dirs_.clear();
  return Ok();
}

}  // namespace cocoon::image::internal
