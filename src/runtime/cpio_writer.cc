// Deterministic newc cpio writer and gzip framing (zlib raw deflate + our own header/trailer).
// Format: the kernel's Documentation/driver-api/early-userspace/buffer-format.rst.
#include "runtime/cpio_writer.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cstdio>

namespace cocoon::runtime {
namespace {

Result<std::string> NormalizePath(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty() || path.size() > 4096) return InvalidArgument("cpio: bad path length");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return InvalidArgument("cpio: bad path component in \"" + std::string(path) + "\"");
    }
    start = end + 1;
  }
  if (path.find('\0') != std::string_view::npos) return InvalidArgument("cpio: NUL in path");
  return std::string(path);
}

uint32_t TypeBits(CpioType type) {
  switch (type) {
    case CpioType::kDirectory:
      return S_IFDIR;
    case CpioType::kSymlink:
      return S_IFLNK;
    case CpioType::kFile:
      break;
  }
  return S_IFREG;
}

void Pad4(std::string& out) {
  while (out.size() % 4 != 0) out.push_back('\0');
}

// One newc header (13 eight-digit hex fields after the magic), the NUL-terminated name, padding.
void AppendHeader(std::string& out, uint32_t ino, uint32_t mode, uint32_t nlink, uint32_t mtime,
                  uint32_t file_size, std::string_view name) {
  char header[111];
  std::snprintf(header, sizeof header, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                ino, mode, 0u, 0u, nlink, mtime, file_size, 0u, 0u, 0u, 0u,
                static_cast<uint32_t>(name.size() + 1), 0u);
  out.append(header, 110);
  out.append(name);
  out.push_back('\0');
  Pad4(out);
}

}  // namespace

Status CpioBuilder::AddDirectory(std::string_view path, uint32_t mode) {
  return Add(path, CpioEntry{CpioType::kDirectory, mode, ""});
}

Status CpioBuilder::AddFile(std::string_view path, std::string data, uint32_t mode) {
  if (data.size() > 0xffffffffu) return InvalidArgument("cpio: file larger than 4 GiB");
  return Add(path, CpioEntry{CpioType::kFile, mode, std::move(data)});
}

Status CpioBuilder::AddSymlink(std::string_view path, std::string_view target) {
  if (target.empty()) return InvalidArgument("cpio: empty symlink target");
  return Add(path, CpioEntry{CpioType::kSymlink, 0777, std::string(target)});
}

const CpioEntry* CpioBuilder::Find(std::string_view path) const {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  auto it = entries_.find(path);
  return it == entries_.end() ? nullptr : &it->second;
}

Status CpioBuilder::Add(std::string_view raw_path, CpioEntry entry) {
  if ((entry.mode & ~07777u) != 0) return InvalidArgument("cpio: mode has type bits");
  ASSIGN_OR_RETURN(std::string path, NormalizePath(raw_path));
  TRY(AddParents(path));
  auto it = entries_.find(path);
  if (it != entries_.end()) {
    const CpioEntry& old = it->second;
    bool same = old.type == entry.type && old.data == entry.data && old.mode == entry.mode;
    // Adding an existing directory again (e.g. as a parent) is fine.
    if (same || (old.type == CpioType::kDirectory && entry.type == CpioType::kDirectory)) {
      return Ok();
    }
    return FailedPrecondition("cpio: " + path + " added twice with different content");
  }
  entries_.emplace(std::move(path), std::move(entry));
  return Ok();
}

Status CpioBuilder::AddParents(const std::string& path) {
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string parent = path.substr(0, slash);
    auto it = entries_.find(parent);
    if (it == entries_.end()) {
      entries_.emplace(parent, CpioEntry{CpioType::kDirectory, 0755, ""});
    } else if (it->second.type != CpioType::kDirectory) {
      return FailedPrecondition("cpio: parent " + parent + " of " + path + " is not a directory");
    }
  }
  return Ok();
}

std::string CpioBuilder::Serialize(uint32_t mtime) const {
  std::string out;
  uint32_t ino = 0;
  for (const auto& [path, e] : entries_) {
    uint32_t nlink = e.type == CpioType::kDirectory ? 2 : 1;
    uint32_t size = e.type == CpioType::kDirectory ? 0 : static_cast<uint32_t>(e.data.size());
    AppendHeader(out, ++ino, TypeBits(e.type) | e.mode, nlink, mtime, size, path);
    if (e.type != CpioType::kDirectory) {
      out.append(e.data);
      Pad4(out);
    }
  }
  AppendHeader(out, 0, 0, 1, 0, 0, "TRAILER!!!");
  return out;
}

Result<std::string> GzipDeterministic(std::string_view data, int level) {
  if (data.size() > 0xffffffffu) return InvalidArgument("gzip: input larger than 4 GiB");
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Internal("gzip: deflateInit2 failed");
  }
  // Header (RFC 1952 §2.3): ID1 ID2 CM=8 FLG=0 MTIME=0 XFL OS=3.
  std::string out = {'\x1f', '\x8b', '\x08', '\0', '\0', '\0', '\0', '\0'};
  out.push_back(level == 9 ? '\x02' : level == 1 ? '\x04' : '\0');
  out.push_back('\x03');
  size_t header = out.size();
  out.resize(header + deflateBound(&zs, data.size()));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data() + header);
  zs.avail_out = static_cast<uInt>(out.size() - header);
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Internal("gzip: deflate did not finish");
  out.resize(header + produced);
  uint32_t crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  uint32_t isize = static_cast<uint32_t>(data.size());
  for (uint32_t v : {crc, isize}) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  return out;
}

}  // namespace cocoon::runtime
