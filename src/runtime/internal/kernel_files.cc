// Kernel and module extraction for the guest image (see kernel_files.h).
#include "runtime/internal/kernel_files.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "base/file.h"
#include "runtime/deb_archive.h"
#include "runtime/kernel_modules.h"

namespace cocoon::runtime::internal {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxModuleBytes = size_t{64} << 20;

bool IsCompressedModule(std::string_view path) {
  return path.ends_with(".ko.xz") || path.ends_with(".ko.zst") || path.ends_with(".ko.gz");
}

// Everything learnt about the modules of one kernel while scanning.
struct Scan {
  std::string version;
  std::string image;
  std::string builtin_text;
  std::map<std::string, std::vector<std::string>> depends;
  std::map<std::string, std::string> rel_path;
  std::map<std::string, std::string> data;  // kept module bytes
};

// Records one module file; keeps its bytes when `keep` says so.
Status AddModule(Scan& scan, const std::string& rel_path, std::string data,
                 const std::set<std::string>& keep) {
  if (IsCompressedModule(rel_path)) {
    return Unimplemented("compressed kernel module " + rel_path + " (expected plain .ko)");
  }
  std::string name = ModuleNameFromPath(rel_path);
  ASSIGN_OR_RETURN(scan.depends[name], ModuleDepends(data, rel_path));
  scan.rel_path[name] = rel_path;
  if (keep.contains(name)) scan.data[name] = std::move(data);
  return Ok();
}

// Orders the wanted modules and moves their bytes into `out` (all must be in scan.data).
Status Finish(Scan& scan, const std::vector<std::string>& order, KernelFiles& out) {
  for (const std::string& name : order) {
    auto it = scan.data.find(name);
    if (it == scan.data.end()) return Internal("kernel module " + name + " was not read");
    out.modules.push_back({name, scan.rel_path[name], std::move(it->second), scan.depends[name]});
  }
  return Ok();
}

std::set<std::string> Normalized(const std::vector<std::string>& names) {
  std::set<std::string> out;
  for (const std::string& n : names) out.insert(ModuleNameFromPath(n));
  return out;
}

Status ResolveInto(Scan& scan, const std::vector<std::string>& wanted, KernelFiles& out,
                   std::vector<std::string>* order) {
  std::set<std::string> builtin = ParseModulesBuiltin(scan.builtin_text);
  ASSIGN_OR_RETURN(*order, ResolveLoadOrder(wanted, scan.depends, builtin));
  for (const std::string& w : Normalized(wanted)) {
    if (builtin.contains(w)) out.builtin.push_back(w);
  }
  return Ok();
}

}  // namespace

Result<KernelFiles> ReadKernelDeb(const std::string& deb, const std::vector<std::string>& wanted) {
  Scan scan;
  std::set<std::string> keep = Normalized(wanted);
  auto is_module = [](std::string_view p) {
    return p.starts_with("lib/modules/") && p.find("/kernel/") != std::string_view::npos &&
           p.find(".ko") != std::string_view::npos;
  };
  auto want = [&](std::string_view p) {
    return p.starts_with("boot/vmlinuz-") || p.ends_with("/modules.builtin") || is_module(p);
  };
  bool several = false;
  TRY(ForEachDebEntry(
      deb, want,
      [&](DebEntry& e) -> Status {
        if (e.type != DebEntryType::kFile) return Ok();
        if (e.path.starts_with("boot/vmlinuz-")) {
          several = several || !scan.image.empty();
          scan.image = std::move(e.data);
          scan.version = e.path.substr(13);
        } else if (e.path.ends_with("/modules.builtin")) {
          scan.builtin_text = std::move(e.data);
        } else if (is_module(e.path)) {
          size_t at = e.path.find("/kernel/");
          TRY(AddModule(scan, e.path.substr(at + 1), std::move(e.data), keep));
        }
        return Ok();
      },
      kMaxModuleBytes));
  if (scan.image.empty()) return NotFound(deb + ": no boot/vmlinuz-* (not a kernel package?)");
  if (several) return FailedPrecondition(deb + ": several kernel images");
  KernelFiles out;
  out.version = scan.version;
  out.image = std::move(scan.image);
  std::vector<std::string> order;
  TRY(ResolveInto(scan, wanted, out, &order));
  std::set<std::string> missing;
  for (const std::string& n : order) {
    if (!scan.data.contains(n)) missing.insert(n);
  }
  if (!missing.empty()) {  // second pass: the dependencies the first pass did not keep
    std::string prefix = "lib/modules/" + out.version + "/";
    TRY(ForEachDebEntry(
        deb,
        [&](std::string_view p) { return is_module(p) && missing.contains(ModuleNameFromPath(p)); },
        [&](DebEntry& e) -> Status {
          std::string name = ModuleNameFromPath(e.path);
          if (e.type == DebEntryType::kFile && is_module(e.path) && missing.contains(name)) {
            scan.data[name] = std::move(e.data);
          }
          return Ok();
        },
        kMaxModuleBytes));
  }
  TRY(Finish(scan, order, out));
  return out;
}

Result<KernelFiles> ReadKernelDir(const std::string& kernel, const std::string& modules_dir,
                                  const std::vector<std::string>& wanted) {
  KernelFiles out;
  ASSIGN_OR_RETURN(out.image, base::ReadFile(kernel, "kernel image", size_t{256} << 20));
  if (modules_dir.empty()) {
    if (!wanted.empty()) return InvalidArgument("kernel modules requested but no modules dir");
    return out;
  }
  Scan scan;
  out.version = fs::path(modules_dir).lexically_normal().filename().string();
  if (out.version.empty()) out.version = fs::path(modules_dir).parent_path().filename().string();
  auto builtin = base::ReadFile(modules_dir + "/modules.builtin", "modules.builtin");
  if (builtin) scan.builtin_text = std::move(*builtin);
  std::error_code ec;
  fs::path root = fs::path(modules_dir) / "kernel";
  std::set<std::string> keep = Normalized(wanted);
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().string().find(".ko") != std::string::npos) {
      files.push_back(it->path().lexically_relative(modules_dir).string());
    }
  }
  if (ec) return NotFound(root.string() + ": " + ec.message());
  for (const std::string& rel : files) {
    ASSIGN_OR_RETURN(std::string data,
                     base::ReadFile(modules_dir + "/" + rel, "kernel module", kMaxModuleBytes));
    TRY(AddModule(scan, rel, std::move(data), keep));
  }
  std::vector<std::string> order;
  TRY(ResolveInto(scan, wanted, out, &order));
  for (const std::string& n : order) {
    if (scan.data.contains(n)) continue;
    ASSIGN_OR_RETURN(scan.data[n], base::ReadFile(modules_dir + "/" + scan.rel_path[n],
                                                  "kernel module", kMaxModuleBytes));
  }
  TRY(Finish(scan, order, out));
  return out;
}

std::string ModulesDep(const std::vector<KernelModule>& modules) {
  // depmod's format: every transitive dependency, the last one to be loaded first.
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < modules.size(); ++i) index[modules[i].name] = i;
  std::string out;
  for (const KernelModule& m : modules) {
    std::set<size_t> closure;
    std::vector<std::string> todo = m.depends;
    while (!todo.empty()) {
      std::string d = std::move(todo.back());
      todo.pop_back();
      auto it = index.find(d);
      if (it == index.end() || !closure.insert(it->second).second) continue;
      for (const std::string& dd : modules[it->second].depends) todo.push_back(dd);
    }
    out += m.rel_path + ":";
    for (auto it = closure.rbegin(); it != closure.rend(); ++it) {
      out += " " + modules[*it].rel_path;
    }
    out += "\n";
  }
  return out;
}

// One compressed stream (gzip/xz/zstd/lzma/lz4/bzip2 by its magic), bounded to 512 MiB.
Result<std::string> Decompress(std::string_view payload) {
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  archive_entry* entry = nullptr;
  if (archive_read_open_memory(a.get(), payload.data(), payload.size()) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &entry) != ARCHIVE_OK) {
    return InvalidArgument(std::string("bzImage payload: ") + archive_error_string(a.get()));
  }
  std::string out;
  char buf[1 << 16];
  constexpr size_t kMaxVmlinux = size_t{512} << 20;
  for (la_ssize_t n; (n = archive_read_data(a.get(), buf, sizeof buf)) != 0;) {
    if (n < 0) {
      return InvalidArgument(std::string("bzImage payload: ") + archive_error_string(a.get()));
    }
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxVmlinux) return InvalidArgument("bzImage payload larger than 512 MiB");
  }
  return out;
}

Result<std::string> ExtractVmlinux(std::string_view bz) {
  // x86 boot protocol: setup_sects at 0x1f1, "HdrS" at 0x202, payload_offset/length at
  // 0x248/0x24c relative to the protected-mode code at (setup_sects + 1) * 512.
  auto u32 = [&](size_t off) {
    uint32_t v = 0;
    std::memcpy(&v, bz.data() + off, 4);
    return v;
  };
  if (bz.size() < 0x250 || bz.substr(0x202, 4) != "HdrS") {
    return InvalidArgument("kernel image is not a bzImage (no HdrS setup header)");
  }
  size_t setup_sects = static_cast<uint8_t>(bz[0x1f1]);
  if (setup_sects == 0) setup_sects = 4;
  size_t start = (setup_sects + 1) * 512 + u32(0x248);
  size_t len = u32(0x24c);
  if (start > bz.size() || len > bz.size() - start) {
    return InvalidArgument("bzImage payload lies outside the image");
  }
  // Every compressor but gzip has the uncompressed size appended (4 bytes) after its stream;
  // xz refuses such trailing bytes, so try without them when the whole payload fails.
  Result<std::string> out = Decompress(bz.substr(start, len));
  if (!out && len > 4) out = Decompress(bz.substr(start, len - 4));
  if (!out) return std::unexpected(out.error());
  if (!out->starts_with("\x7f" "ELF")) return InvalidArgument("bzImage payload is not an ELF kernel");
  return *out;
}

}  // namespace cocoon::runtime::internal
