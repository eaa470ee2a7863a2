// UnpackLayer: reads an uncompressed tar stream through libarchive (fed by a Source callback)
// and hands each entry to LayerApplier. The tar bytes are untrusted: every field is checked
// against limits before it is used.
#include "image/layer/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "image/layer/internal/layer_applier.h"

namespace cocoon::image {
namespace {

using internal::TarEntry;

constexpr size_t kReadChunk = 128 * 1024;

struct ReadCtx {
  Source* source;
  std::vector<uint8_t> buffer = std::vector<uint8_t>(kReadChunk);
  std::optional<Error> error;
};

la_ssize_t ReadCallback(archive* a, void* opaque, const void** out) {
  auto* ctx = static_cast<ReadCtx*>(opaque);
  auto n = ctx->source->Read(ctx->buffer);
  if (!n) {
    ctx->error = n.error();
    archive_set_error(a, EIO, "layer stream failed");
    return -1;
  }
  *out = ctx->buffer.data();
  return static_cast<la_ssize_t>(*n);
}

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

std::unexpected<Error> ArchiveError(archive* a, const ReadCtx& ctx, std::string_view where) {
  if (ctx.error) return std::unexpected(ctx.error->WithContext(std::string(where)));
  const char* msg = archive_error_string(a);
  return DataLoss("tar: " + std::string(where) + ": " + (msg != nullptr ? msg : "corrupt archive"));
}

const char* Name(archive_entry* e) {
  const char* n = archive_entry_pathname(e);
  return n != nullptr ? n : archive_entry_pathname_utf8(e);
}

Status ReadXattrs(archive_entry* ae, const UnpackOptions& o, TarEntry& e) {
  archive_entry_xattr_reset(ae);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(ae, &name, &value, &size) == ARCHIVE_OK) {
    if (size > o.max_xattr_bytes) {
      return ResourceExhausted("tar entry '" + e.name + "': xattr '" + name +
                               "' is larger than the limit kTarXattrMaxBytes (" +
                               std::to_string(o.max_xattr_bytes) + " bytes)");
    }
    if (e.xattrs.size() >= limits::kTarXattrsPerEntryMax) {
      return ResourceExhausted("tar entry '" + e.name +
                               "': more xattrs than the limit kTarXattrsPerEntryMax");
    }
    std::string v(static_cast<const char*>(value), size);
    // pax archives may carry the same attribute as both LIBARCHIVE.xattr and SCHILY.xattr.
    auto same = std::find_if(e.xattrs.begin(), e.xattrs.end(),
                             [&](const auto& kv) { return kv.first == name; });
    if (same != e.xattrs.end()) {
      same->second = std::move(v);
    } else {
      e.xattrs.emplace_back(name, std::move(v));
    }
  }
  return Ok();
}

Result<TarEntry> ToEntry(archive_entry* ae, const UnpackOptions& o, uint64_t index) {
  TarEntry e;
  const char* name = Name(ae);
  if (name == nullptr) return InvalidArgument("tar entry #" + std::to_string(index) + ": no name");
  e.name = name;
  ASSIGN_OR_RETURN(e.path, internal::CleanEntryPath(e.name, o.max_path_bytes, "name", e.name));
  if (e.path.empty() && !e.name.empty() && e.name.find_first_not_of("./") != std::string::npos) {
    return InvalidArgument("tar entry '" + e.name + "': empty path");
  }
  if (e.name.empty()) return InvalidArgument("tar entry #" + std::to_string(index) + ": no name");
  e.type = archive_entry_filetype(ae);
  e.perm = archive_entry_perm(ae) & 07777;
  la_int64_t uid = archive_entry_uid(ae), gid = archive_entry_gid(ae);
  if (uid < 0 || gid < 0 || uid >= 0xFFFFFFFF || gid >= 0xFFFFFFFF) {
    return InvalidArgument("tar entry '" + e.name + "': uid/gid out of range");
  }
  e.uid = static_cast<uint32_t>(uid);
  e.gid = static_cast<uint32_t>(gid);
  if (archive_entry_mtime_is_set(ae)) {
    e.has_mtime = true;
    e.mtime.tv_sec = archive_entry_mtime(ae);
    e.mtime.tv_nsec = archive_entry_mtime_nsec(ae);
  }
  e.size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : 0;
  if (e.size < 0) return InvalidArgument("tar entry '" + e.name + "': negative size");
  if (const char* link = archive_entry_hardlink(ae); link != nullptr) {
    ASSIGN_OR_RETURN(e.hardlink,
                     internal::CleanEntryPath(link, o.max_path_bytes, "hard link target", e.name));
    if (e.hardlink.empty()) return InvalidArgument("tar entry '" + e.name + "': link to root");
  } else if (e.type == AE_IFLNK) {
    const char* target = archive_entry_symlink(ae);
    if (target == nullptr) target = archive_entry_symlink_utf8(ae);
    if (target == nullptr) return InvalidArgument("tar entry '" + e.name + "': no link target");
    e.symlink = target;
    if (e.symlink.size() > o.max_path_bytes) {
      return ResourceExhausted("tar entry '" + e.name +
                               "': symlink target is longer than the limit kTarPathMaxBytes");
    }
  } else if (e.type == 0) {
    return InvalidArgument("tar entry '" + e.name + "': unknown file type");
  }
  e.rdev = archive_entry_rdev(ae);
  TRY(ReadXattrs(ae, o, e));
  return e;
}

Status WriteData(archive* a, const ReadCtx& ctx, const TarEntry& e, int fd, UnpackStats& stats) {
  for (;;) {
    const void* buf;
    size_t size;
    la_int64_t offset;
    int r = archive_read_data_block(a, &buf, &size, &offset);
    if (r == ARCHIVE_EOF) return Ok();
    if (r < ARCHIVE_WARN) return ArchiveError(a, ctx, "data of '" + e.name + "'");
    if (offset < 0 || offset > e.size || size > static_cast<uint64_t>(e.size - offset)) {
      return DataLoss("tar entry '" + e.name + "': data block outside the file size");
    }
    const char* p = static_cast<const char*>(buf);
    while (size > 0) {
      ssize_t n = pwrite(fd, p, size, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return Internal("tar entry '" + e.name + "': write: " + std::strerror(errno));
      }
      p += n;
      size -= static_cast<size_t>(n);
      offset += n;
      stats.file_bytes += static_cast<uint64_t>(n);
    }
  }
}

// A tar bomb is refused on its header, before its data costs disk: the declared file sizes so
// far (a sparse file counts at its full size, as it would on a filesystem without holes) and
// the depth of the entry's path, each against its configured limit.
Status CheckBombLimits(const TarEntry& e, const UnpackOptions& o, uint64_t& declared_bytes) {
  if (e.type == AE_IFREG && e.hardlink.empty()) {
    uint64_t size = static_cast<uint64_t>(e.size);
    if (size > o.max_bytes || declared_bytes > o.max_bytes - size) {
      return ResourceExhausted("tar entry '" + e.name + "': the layer unpacks to more than " +
                               std::to_string(o.max_bytes) +
                               " bytes (limit max_bytes; cocoon image pull --max-unpacked-bytes)");
    }
    declared_bytes += size;
  }
  size_t depth = e.path.empty() ? 0 : 1 + std::count(e.path.begin(), e.path.end(), '/');
  if (depth > o.max_depth) {
    return ResourceExhausted("tar entry '" + e.name + "': path is " + std::to_string(depth) +
                             " levels deep, more than " + std::to_string(o.max_depth) +
                             " (limit max_depth; cocoon image pull --max-path-depth)");
  }
  return Ok();
}

Status Drain(Source& source) {
  std::vector<uint8_t> buf(kReadChunk);
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, source.Read(buf));
    if (n == 0) return Ok();
  }
}

}  // namespace

Result<UnpackStats> UnpackLayer(Source& tar, int rootfs_dirfd, const UnpackOptions& options) {
  ArchivePtr a(archive_read_new());
  if (a == nullptr) return Internal("archive_read_new failed");
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  ReadCtx ctx{&tar, std::vector<uint8_t>(kReadChunk), std::nullopt};
  if (archive_read_open(a.get(), &ctx, nullptr, ReadCallback, nullptr) != ARCHIVE_OK) {
    return ArchiveError(a.get(), ctx, "opening the layer");
  }
  internal::LayerApplier applier(rootfs_dirfd, options);
  uint64_t declared_bytes = 0;
  for (uint64_t index = 0;; ++index) {
    archive_entry* ae;
    int r = archive_read_next_header(a.get(), &ae);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return ArchiveError(a.get(), ctx, "reading a header");
    if (++applier.stats().entries > options.max_entries) {
      return ResourceExhausted("tar: more than " + std::to_string(options.max_entries) +
                               " entries (limit max_entries; cocoon image pull --max-entries)");
    }
    ASSIGN_OR_RETURN(TarEntry e, ToEntry(ae, options, index));
    TRY(CheckBombLimits(e, options, declared_bytes));
    ASSIGN_OR_RETURN(internal::Fd file, applier.Apply(e));
    if (file.valid()) {
      TRY(WriteData(a.get(), ctx, e, file.get(), applier.stats()));
      TRY(applier.FinishFile(e, file.get()));
    }
  }
  TRY(applier.Finish());
  TRY(Drain(tar));
  return applier.stats();
}

}  // namespace cocoon::image
