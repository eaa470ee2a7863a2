// Guest image build: kernel + modules, busybox, crun and its libraries, /init, extra files into a
// deterministic cpio, gzip with a fixed header, digests and manifest.json (see guest_image.h).
#include "runtime/guest_image.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "base/encoding.h"
#include "base/file.h"
#include "crypto/digest.h"
#include "runtime/cpio_writer.h"
#include "runtime/deb_archive.h"
#include "runtime/internal/guest_layout.h"
#include "runtime/internal/kernel_files.h"
#include "runtime/internal/manifest.h"
#include "runtime/shared_libs.h"

namespace cocoon::runtime {
namespace {

namespace fs = std::filesystem;
using internal::KernelFiles;

constexpr size_t kMaxBinaryBytes = size_t{256} << 20;

// What went into the image, for the manifest.
struct Inputs {
  std::map<std::string, PackageRecord> packages;
  std::vector<internal::ManifestFile> files;  // agent and extra files
};

Result<std::string> FileSha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + " not found");
  crypto::Hasher h(crypto::HashAlg::kSha256);
  std::string buf(1 << 20, '\0');
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
    h.Update(AsBytes(std::string_view(buf.data(), static_cast<size_t>(in.gcount()))));
  }
  return base::HexEncode(h.Finish());
}

Status RecordDeb(const std::string& deb, Inputs& in) {
  ASSIGN_OR_RETURN(DebControl c, ReadDebControl(deb));
  ASSIGN_OR_RETURN(std::string sha, FileSha256(deb));
  in.packages[c.package] = {c.package, c.version, "deb sha256:" + sha};
  return Ok();
}

Result<std::string> ReadDebFile(const std::string& deb, const std::string& path) {
  std::string data;
  bool found = false;
  TRY(ForEachDebEntry(
      deb, [&](std::string_view p) { return p == path; },
      [&](DebEntry& e) -> Status {
        if (e.path == path && e.type == DebEntryType::kFile) {
          data = std::move(e.data);
          found = true;
        }
        return Ok();
      }));
  if (!found) return NotFound(deb + ": no /" + path);
  return data;
}

// Records the host package of a file copied from the host (or the file's digest if none).
Status RecordHostFile(const std::string& path, Inputs& in) {
  auto pkg = OwningPackage(path);
  if (!pkg) {
    if (pkg.error().code() != Code::kNotFound) return std::unexpected(pkg.error());
    ASSIGN_OR_RETURN(std::string sha, FileSha256(path));
    in.packages["unpackaged " + path] = {"unpackaged " + path, "sha256:" + sha, "host " + path};
    return Ok();
  }
  PackageRecord& r = in.packages[pkg->package];
  if (r.name.empty()) {
    r = {pkg->package, pkg->version, "host " + path};
  } else if (r.origin.find(path) == std::string::npos) {
    r.origin += ", " + path;
  }
  return Ok();
}

// Copies the shared libraries of `binary` (a host path) to the same paths in the guest.
Status AddSharedLibraries(const std::string& binary, CpioBuilder& cpio, Inputs& in) {
  ASSIGN_OR_RETURN(std::vector<std::string> libs, SharedLibraries(binary));
  for (const std::string& lib : libs) {
    ASSIGN_OR_RETURN(std::string data, base::ReadFile(lib, "shared library", kMaxBinaryBytes));
    TRY(cpio.AddFile(lib, std::move(data), 0755));
    TRY(RecordHostFile(lib, in));
  }
  return Ok();
}

Status AddBusybox(const GuestImageSpec& spec, CpioBuilder& cpio, Inputs& in) {
  std::string data;
  if (!spec.busybox_deb.empty()) {
    ASSIGN_OR_RETURN(data, ReadDebFile(spec.busybox_deb, "bin/busybox"));
    TRY(RecordDeb(spec.busybox_deb, in));
  } else {
    ASSIGN_OR_RETURN(data, base::ReadFile(spec.busybox, "busybox", kMaxBinaryBytes));
    TRY(RecordHostFile(spec.busybox, in));
  }
  return internal::AddBusybox(cpio, std::move(data));
}

// crun from its package needs a file on disk for ldd: written next to the outputs, then removed.
Status AddCrun(const GuestImageSpec& spec, const std::string& out_dir, CpioBuilder& cpio,
               Inputs& in) {
  if (spec.crun_deb.empty()) {
    ASSIGN_OR_RETURN(std::string data, base::ReadFile(spec.crun, "crun", kMaxBinaryBytes));
    TRY(cpio.AddFile("usr/bin/crun", std::move(data), 0755));
    TRY(RecordHostFile(spec.crun, in));
    return AddSharedLibraries(spec.crun, cpio, in);
  }
  ASSIGN_OR_RETURN(std::string data, ReadDebFile(spec.crun_deb, "usr/bin/crun"));
  TRY(RecordDeb(spec.crun_deb, in));
  std::string tmp = out_dir + "/.crun-for-ldd";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << data;
    if (!f) return Internal("cannot write " + tmp);
  }
  chmod(tmp.c_str(), 0755);
  Status libs = AddSharedLibraries(tmp, cpio, in);
  std::error_code ec;
  fs::remove(tmp, ec);
  TRY(libs);
  return cpio.AddFile("usr/bin/crun", std::move(data), 0755);
}

Status AddModules(const KernelFiles& k, CpioBuilder& cpio) {
  std::string list;
  std::string dir = "lib/modules/" + k.version + "/";
  for (const internal::KernelModule& m : k.modules) {
    TRY(cpio.AddFile(dir + m.rel_path, m.data, 0644));
    list += "/" + dir + m.rel_path + "\n";
  }
  if (!k.version.empty()) TRY(cpio.AddFile(dir + "modules.dep", internal::ModulesDep(k.modules)));
  return cpio.AddFile(kGuestModuleList, std::move(list), 0644);
}

Status AddInitAndExtras(const GuestImageSpec& spec, bool with_crun, CpioBuilder& cpio, Inputs& in) {
  if (spec.agent.empty()) {
    TRY(cpio.AddFile("init", internal::SmokeInitScript(with_crun), 0755));
  } else {
    ASSIGN_OR_RETURN(std::string agent, base::ReadFile(spec.agent, "agent", kMaxBinaryBytes));
    in.files.push_back({"/init", spec.agent, base::HexEncode(crypto::Sha256(AsBytes(agent)))});
    TRY(cpio.AddFile("init", std::move(agent), 0755));
    TRY(AddSharedLibraries(spec.agent, cpio, in));
  }
  for (const GuestFile& f : spec.extra_files) {
    if (!f.dest.starts_with('/')) return InvalidArgument("extra file dest must be absolute");
    ASSIGN_OR_RETURN(std::string data, base::ReadFile(f.source, "extra file", kMaxBinaryBytes));
    uint32_t mode = f.mode;
    struct stat st {};
    if (mode == 0) mode = stat(f.source.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
    in.files.push_back({f.dest, f.source, base::HexEncode(crypto::Sha256(AsBytes(data)))});
    TRY(cpio.AddFile(f.dest, std::move(data), mode));
  }
  return Ok();
}

Result<OutputFile> WriteOutput(const std::string& path, std::string_view bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) return Internal("cannot write " + path);
  return OutputFile{path, bytes.size(), base::HexEncode(crypto::Sha256(AsBytes(bytes))),
                    base::HexEncode(crypto::Sha384(AsBytes(bytes)))};
}

Result<KernelFiles> ReadKernel(const GuestImageSpec& spec, Inputs& in) {
  if (!spec.kernel_deb.empty()) {
    TRY(RecordDeb(spec.kernel_deb, in));
    return internal::ReadKernelDeb(spec.kernel_deb, spec.modules);
  }
  if (spec.kernel.empty()) return InvalidArgument("guest image: no kernel_deb and no kernel");
  ASSIGN_OR_RETURN(std::string sha, FileSha256(spec.kernel));
  in.files.push_back({"vmlinuz", spec.kernel, sha});
  std::vector<std::string> none;
  return internal::ReadKernelDir(spec.kernel, spec.modules_dir,
                                 spec.modules_dir.empty() ? none : spec.modules);
}

}  // namespace

Result<GuestImage> BuildGuestImage(const GuestImageSpec& spec, const std::string& out_dir) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return Internal("cannot create " + out_dir + ": " + ec.message());
  Inputs in;
  ASSIGN_OR_RETURN(KernelFiles k, ReadKernel(spec, in));
  CpioBuilder cpio;
  TRY(internal::AddBaseLayout(cpio));
  TRY(AddModules(k, cpio));
  TRY(AddBusybox(spec, cpio, in));
  bool with_crun = !spec.crun_deb.empty() || !spec.crun.empty();
  if (with_crun) TRY(AddCrun(spec, out_dir, cpio, in));
  TRY(AddInitAndExtras(spec, with_crun, cpio, in));
  ASSIGN_OR_RETURN(std::string gz, GzipDeterministic(cpio.Serialize(spec.mtime), spec.gzip_level));

  GuestImage img;
  img.kernel_version = k.version;
  ASSIGN_OR_RETURN(img.kernel, WriteOutput(out_dir + "/vmlinuz", k.image));
  ASSIGN_OR_RETURN(std::string elf, internal::ExtractVmlinux(k.image));
  ASSIGN_OR_RETURN(img.vmlinux, WriteOutput(out_dir + "/vmlinux", elf));
  ASSIGN_OR_RETURN(img.initramfs, WriteOutput(out_dir + "/initramfs.cpio.gz", gz));
  for (const internal::KernelModule& m : k.modules) img.modules.push_back(m.name);
  img.builtin_modules = k.builtin;
  for (auto& [name, rec] : in.packages) img.packages.push_back(rec);
  img.manifest = out_dir + "/manifest.json";
  std::string json = internal::ManifestJson(img, in.files, spec.mtime);
  std::ofstream(img.manifest, std::ios::binary | std::ios::trunc) << json;
  if (!fs::is_regular_file(img.manifest, ec)) return Internal("cannot write " + img.manifest);
  return img;
}

}  // namespace cocoon::runtime
