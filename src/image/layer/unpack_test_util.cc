// Test support: in-memory tar archives via libarchive's writer; see unpack_test_util.h.
#include "image/layer/unpack_test_util.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstring>

namespace cocoon::image::testing {
namespace {

la_ssize_t Append(archive*, void* ctx, const void* buf, size_t n) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

}  // namespace

std::string BuildTar(const std::vector<TarItem>& items, TarFormat format) {
  std::string out;
  archive* a = archive_write_new();
  if (format == TarFormat::kPax) archive_write_set_format_pax(a);
  if (format == TarFormat::kUstar) archive_write_set_format_ustar(a);
  if (format == TarFormat::kGnu) archive_write_set_format_gnutar(a);
  archive_write_open(a, &out, nullptr, Append, nullptr);
  for (const TarItem& it : items) {
    archive_entry* e = archive_entry_new();
    archive_entry_copy_pathname(e, it.name.c_str());
    archive_entry_set_uid(e, it.uid);
    archive_entry_set_gid(e, it.gid);
    archive_entry_set_mtime(e, it.mtime, 0);
    archive_entry_set_perm(e, it.mode);
    switch (it.kind) {
      case TarItem::kFile:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(it.data.size()));
        break;
      case TarItem::kDir:
        archive_entry_set_filetype(e, AE_IFDIR);
        break;
      case TarItem::kSymlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_copy_symlink(e, it.data.c_str());
        break;
      case TarItem::kHardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_copy_hardlink(e, it.data.c_str());
        archive_entry_set_size(e, 0);
        break;
      case TarItem::kCharDev:
        archive_entry_set_filetype(e, AE_IFCHR);
        archive_entry_set_rdevmajor(e, 1);
        archive_entry_set_rdevminor(e, 3);
        break;
      case TarItem::kFifo:
        archive_entry_set_filetype(e, AE_IFIFO);
        break;
    }
    for (const auto& [k, v] : it.xattrs) {
      archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    }
    archive_write_header(a, e);
    if (it.kind == TarItem::kFile && !it.data.empty()) {
      archive_write_data(a, it.data.data(), it.data.size());
    }
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

Result<size_t> StringSource::Read(std::span<uint8_t> buffer) {
  size_t n = std::min({buffer.size(), chunk_, data_.size() - pos_});
  if (fail_at_ >= 0 && pos_ + n > static_cast<size_t>(fail_at_)) {
    return Unavailable("test source failed at offset " + std::to_string(fail_at_));
  }
  std::memcpy(buffer.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

}  // namespace cocoon::image::testing
