// .deb reading: libarchive opens the outer ar archive, and a second libarchive reader decodes the
// control or data tarball member (xz, zstd or gzip) straight from the first one's data stream.
#include "runtime/deb_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <memory>

namespace cocoon::runtime {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

// The inner reader pulls the member's bytes from the outer reader through this callback.
struct MemberSource {
  archive* outer;
  std::array<char, 64 * 1024> buf;
};

la_ssize_t ReadMember(archive*, void* ctx, const void** out) {
  auto* src = static_cast<MemberSource*>(ctx);
  *out = src->buf.data();
  return archive_read_data(src->outer, src->buf.data(), src->buf.size());
}

std::string ArchiveError(archive* a, const std::string& what) {
  const char* msg = archive_error_string(a);
  return what + ": " + (msg != nullptr ? msg : "unreadable");
}

// Opens the .deb and positions the outer reader at the first member whose name starts with
// `prefix` ("control.tar" or "data.tar"); returns the outer reader.
Result<ArchivePtr> OpenMember(const std::string& deb_path, std::string_view prefix) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(deb_path, ec)) {
    return NotFound("package " + deb_path + " not found");
  }
  ArchivePtr outer(archive_read_new());
  archive_read_support_format_ar(outer.get());
  if (archive_read_open_filename(outer.get(), deb_path.c_str(), 64 * 1024) != ARCHIVE_OK) {
    return DataLoss(ArchiveError(outer.get(), deb_path));
  }
  archive_entry* entry = nullptr;
  int rc;
  while ((rc = archive_read_next_header(outer.get(), &entry)) == ARCHIVE_OK) {
    const char* name = archive_entry_pathname(entry);
    if (name != nullptr && std::string_view(name).starts_with(prefix)) return outer;
  }
  if (rc != ARCHIVE_EOF) return DataLoss(ArchiveError(outer.get(), deb_path));
  return DataLoss(deb_path + ": no " + std::string(prefix) + ".* member (not a .deb?)");
}

Result<ArchivePtr> OpenInner(MemberSource* src, const std::string& what) {
  ArchivePtr inner(archive_read_new());
  archive_read_support_filter_xz(inner.get());
  archive_read_support_filter_zstd(inner.get());
  archive_read_support_filter_gzip(inner.get());
  archive_read_support_format_tar(inner.get());
  if (archive_read_open(inner.get(), src, nullptr, ReadMember, nullptr) != ARCHIVE_OK) {
    return DataLoss(ArchiveError(inner.get(), what));
  }
  return inner;
}

std::string StripDotSlash(const char* name) {
  std::string_view p = name != nullptr ? name : "";
  while (p.starts_with("./")) p.remove_prefix(2);
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  return std::string(p);
}

DebEntryType TypeOf(archive_entry* e) {
  switch (archive_entry_filetype(e)) {
    case AE_IFDIR:
      return DebEntryType::kDirectory;
    case AE_IFREG:
      return archive_entry_hardlink(e) != nullptr ? DebEntryType::kOther : DebEntryType::kFile;
    case AE_IFLNK:
      return DebEntryType::kSymlink;
    default:
      return DebEntryType::kOther;
  }
}

Result<std::string> ReadData(archive* a, archive_entry* e, size_t max, const std::string& what) {
  int64_t size = archive_entry_size(e);
  if (size < 0 || static_cast<uint64_t>(size) > max) {
    return ResourceExhausted(what + ": larger than " + std::to_string(max) + " bytes");
  }
  std::string data(static_cast<size_t>(size), '\0');
  size_t got = 0;
  while (got < data.size()) {
    la_ssize_t n = archive_read_data(a, data.data() + got, data.size() - got);
    if (n < 0) return DataLoss(ArchiveError(a, what));
    if (n == 0) return DataLoss(what + ": truncated");
    got += static_cast<size_t>(n);
  }
  return data;
}

}  // namespace

std::string ControlField(std::string_view control, std::string_view field) {
  size_t pos = 0;
  while (pos < control.size()) {
    size_t end = control.find('\n', pos);
    if (end == std::string_view::npos) end = control.size();
    std::string_view line = control.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() > field.size() && line.starts_with(field) && line[field.size()] == ':') {
      std::string_view v = line.substr(field.size() + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.remove_suffix(1);
      return std::string(v);
    }
  }
  return "";
}

Result<DebControl> ReadDebControl(const std::string& deb_path) {
  ASSIGN_OR_RETURN(ArchivePtr outer, OpenMember(deb_path, "control.tar"));
  MemberSource src{outer.get(), {}};
  ASSIGN_OR_RETURN(ArchivePtr inner, OpenInner(&src, deb_path + " control.tar"));
  archive_entry* e = nullptr;
  int rc;
  while ((rc = archive_read_next_header(inner.get(), &e)) == ARCHIVE_OK) {
    if (StripDotSlash(archive_entry_pathname(e)) != "control") continue;
    ASSIGN_OR_RETURN(std::string text, ReadData(inner.get(), e, 1 << 20, deb_path + " control"));
    DebControl c{ControlField(text, "Package"), ControlField(text, "Version"),
                 ControlField(text, "Architecture")};
    if (c.package.empty() || c.version.empty() || c.architecture.empty()) {
      return DataLoss(deb_path + ": control lacks Package, Version or Architecture");
    }
    return c;
  }
  if (rc != ARCHIVE_EOF) return DataLoss(ArchiveError(inner.get(), deb_path + " control.tar"));
  return DataLoss(deb_path + ": no control file");
}

Status ForEachDebEntry(const std::string& deb_path,
                       const std::function<bool(std::string_view path)>& want,
                       const std::function<Status(DebEntry&)>& visit, size_t max_file_bytes) {
  ASSIGN_OR_RETURN(ArchivePtr outer, OpenMember(deb_path, "data.tar"));
  MemberSource src{outer.get(), {}};
  ASSIGN_OR_RETURN(ArchivePtr inner, OpenInner(&src, deb_path + " data.tar"));
  archive_entry* e = nullptr;
  int rc;
  while ((rc = archive_read_next_header(inner.get(), &e)) == ARCHIVE_OK) {
    DebEntry entry;
    entry.path = StripDotSlash(archive_entry_pathname(e));
    if (entry.path.empty()) continue;
    entry.type = TypeOf(e);
    entry.mode = static_cast<uint32_t>(archive_entry_perm(e)) & 07777u;
    if (entry.type == DebEntryType::kSymlink) {
      const char* target = archive_entry_symlink(e);
      entry.link_target = target != nullptr ? target : "";
    }
    if (entry.type == DebEntryType::kFile && want(entry.path)) {
      ASSIGN_OR_RETURN(entry.data,
                       ReadData(inner.get(), e, max_file_bytes, deb_path + ": " + entry.path));
    }
    TRY(visit(entry));
  }
  if (rc != ARCHIVE_EOF) return DataLoss(ArchiveError(inner.get(), deb_path + " data.tar"));
  return Ok();
}

}  // namespace cocoon::runtime
