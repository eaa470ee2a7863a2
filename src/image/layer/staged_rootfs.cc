// StagedRootfs: unpack into `<target>.staging-XXXXXX/rootfs`, rename into place on Commit. The
// target path comes from our caller (trusted); layer content is handled by UnpackLayer.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "image/internal/beneath.h"
#include "image/layer/unpack.h"

namespace cocoon::image {

Result<StagedRootfs> StagedRootfs::Create(const std::string& target) {
  std::string t = target;
  while (t.size() > 1 && t.back() == '/') t.pop_back();
  if (t.empty()) return InvalidArgument("unpack target is empty");
  struct stat st;
  if (lstat(t.c_str(), &st) == 0) {
    return FailedPrecondition("unpack target '" + t + "' already exists");
  }
  std::string templ = t + ".staging-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    return Internal("creating staging directory for '" + t + "': " + std::strerror(errno));
  }
  std::string staging(buf.data());
  StagedRootfs stage(t, staging, -1);
  std::string rootfs = staging + "/rootfs";
  if (mkdir(rootfs.c_str(), 0755) != 0) {
    return Internal("creating '" + rootfs + "': " + std::strerror(errno));
  }
  stage.rootfs_fd_ = open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (stage.rootfs_fd_ < 0) return Internal("opening '" + rootfs + "': " + std::strerror(errno));
  return stage;
}

StagedRootfs::StagedRootfs(StagedRootfs&& o) noexcept
    : target_(std::move(o.target_)),
      staging_(std::exchange(o.staging_, std::string())),
      rootfs_fd_(std::exchange(o.rootfs_fd_, -1)),
      poisoned_(o.poisoned_),
      committed_(o.committed_) {}

StagedRootfs::~StagedRootfs() { Discard(); }

void StagedRootfs::Discard() {
  if (rootfs_fd_ >= 0) close(rootfs_fd_);
  rootfs_fd_ = -1;
  if (!committed_ && !staging_.empty()) internal::RemoveAllAt(AT_FDCWD, staging_.c_str());
  staging_.clear();
}

Result<UnpackStats> StagedRootfs::ApplyLayer(Source& tar, const UnpackOptions& options) {
  if (poisoned_ || committed_ || rootfs_fd_ < 0) {
    return FailedPrecondition("staged rootfs for '" + target_ + "' is no longer usable");
  }
  auto stats = UnpackLayer(tar, rootfs_fd_, options);
  if (!stats) poisoned_ = true;
  return stats;
}

Status StagedRootfs::Commit() {
  if (poisoned_) return FailedPrecondition("a layer failed; '" + target_ + "' not committed");
  if (committed_ || staging_.empty()) return FailedPrecondition("staged rootfs already committed");
  if (renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE) != 0) {
    int err = errno;
    if (err == EEXIST) return FailedPrecondition("unpack target '" + target_ + "' already exists");
    return Internal("renaming '" + staging_ + "' to '" + target_ + "': " + std::strerror(err));
  }
  committed_ = true;
  close(rootfs_fd_);
  rootfs_fd_ = -1;
  return Ok();
}

}  // namespace cocoon::image
