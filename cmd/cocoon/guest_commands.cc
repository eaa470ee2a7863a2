// `cocoon guest build`: the pod VM's kernel + initramfs from Debian packages, reproducibly, with
// the digests that serve as reference values. Inputs are the operator's packages and binaries.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cmd/cocoon/commands.h"
#include "runtime/guest_image.h"

namespace cocoon::cli {
namespace {

struct BuildFlags {
  std::string out = "cocoon-guest";
  std::string kernel_deb;
  std::string kernel;
  std::string modules_dir;
  std::string agent;
  std::string debs;
  std::string busybox;
  std::string crun;
  std::vector<std::string> modules;
  std::vector<std::string> extra;  // SRC:DEST
};

Result<runtime::GuestImageSpec> SpecFromFlags(const BuildFlags& f) {
  runtime::GuestImageSpec spec;
  std::string debs = f.debs.empty() ? runtime::DefaultDebCacheDir() : f.debs;
  bool own_kernel = !f.kernel_deb.empty() || !f.kernel.empty();
  Status from_dir = runtime::UseDebDir(debs, spec);
  // With an explicit kernel the package directory only supplies busybox and crun, if present.
  if (!from_dir && !(own_kernel && from_dir.error().code() == Code::kNotFound)) {
    return std::unexpected(from_dir.error());
  }
  if (!f.kernel_deb.empty()) spec.kernel_deb = f.kernel_deb;
  if (!f.kernel.empty()) {
    spec.kernel_deb.clear();
    spec.kernel = f.kernel;
    spec.modules_dir = f.modules_dir;
  }
  if (!f.busybox.empty()) {
    spec.busybox_deb.clear();
    spec.busybox = f.busybox;
  }
  if (!f.crun.empty()) {
    spec.crun_deb.clear();
    spec.crun = f.crun;
  }
  if (!f.modules.empty()) spec.modules = f.modules;
  spec.agent = f.agent;
  for (const std::string& e : f.extra) {
    size_t colon = e.find(':');
    if (colon == std::string::npos) return InvalidArgument("--add " + e + ": expected SRC:DEST");
    spec.extra_files.push_back({e.substr(0, colon), e.substr(colon + 1), 0});
  }
  spec.mtime = runtime::SourceDateEpoch();
  return spec;
}

void PrintOutput(const char* label, const runtime::OutputFile& f) {
  std::printf("%-10s %s (%llu bytes)\n  sha256   %s\n  sha384   %s\n", label,
              std::filesystem::absolute(f.path).c_str(), static_cast<unsigned long long>(f.size),
              f.sha256.c_str(), f.sha384.c_str());
}

int RunBuild(const BuildFlags& f) {
  auto spec = SpecFromFlags(f);
  if (!spec) {
    std::fprintf(stderr, "cocoon guest build: %s\n", spec.error().ToString().c_str());
    return 1;
  }
  auto img = runtime::BuildGuestImage(*spec, f.out);
  if (!img) {
    std::fprintf(stderr, "cocoon guest build: %s\n", img.error().ToString().c_str());
    return 1;
  }
  PrintOutput("kernel", img->kernel);
  PrintOutput("vmlinux", img->vmlinux);
  PrintOutput("initramfs", img->initramfs);
  std::printf("manifest   %s\n", std::filesystem::absolute(img->manifest).c_str());
  std::printf("kernel version %s; modules (load order):", img->kernel_version.c_str());
  for (const std::string& m : img->modules) std::printf(" %s", m.c_str());
  if (!img->builtin_modules.empty()) {
    std::printf("; built in:");
    for (const std::string& m : img->builtin_modules) std::printf(" %s", m.c_str());
  }
  std::printf("\npackages:\n");
  for (const runtime::PackageRecord& p : img->packages) {
    std::printf("  %-32s %-24s %s\n", p.name.c_str(), p.version.c_str(), p.origin.c_str());
  }
  return 0;
}

}  // namespace

void AddGuestCommands(CLI::App& app, int* exit_code) {
  auto* guest = app.add_subcommand("guest", "The pod VM's guest image");
  guest->require_subcommand(1);
  auto f = std::make_shared<BuildFlags>();
  auto* build = guest->add_subcommand(
      "build",
      "Build vmlinuz + initramfs.cpio.gz (+ manifest.json) reproducibly from Debian packages "
      "and print their SHA-256/SHA-384 (reference values) and the package versions");
  build->add_option("--out", f->out, "output directory")->capture_default_str();
  build->add_option("--debs", f->debs,
                    "directory with linux-image-*, busybox-static_*, crun_* .debs (default: the "
                    "cache scripts/setup fills, " +
                        runtime::DefaultDebCacheDir() + ")");
  build->add_option("--kernel-deb", f->kernel_deb, "linux-image-*.deb to take the kernel from");
  build->add_option("--kernel", f->kernel, "a bzImage instead of a kernel package");
  build->add_option("--modules-dir", f->modules_dir, "lib/modules/<version> for --kernel");
  build->add_option("--module", f->modules, "kernel module to include (repeat; replaces defaults)");
  build->add_option("--agent", f->agent, "the guest agent binary, installed as /init");
  build->add_option("--busybox", f->busybox, "static busybox on the host instead of the .deb");
  build->add_option("--crun", f->crun, "crun on the host instead of the .deb");
  build->add_option("--add", f->extra, "extra file SRC:DEST (repeat)");
  build->callback([f, exit_code] { *exit_code = RunBuild(*f); });
}

}  // namespace cocoon::cli
