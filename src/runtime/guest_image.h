// `cocoon guest build`: the pod VM's kernel and initramfs, built reproducibly from Debian packages
// and the agent so that their digests can serve as reference values. Trusts its inputs (packages
// fetched by apt, binaries named by the operator); writes only into the output directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "runtime/kernel_modules.h"

namespace cocoon::runtime {

struct GuestFile {
  std::string source;  // host path
  std::string dest;    // absolute path in the guest
  uint32_t mode = 0;   // 0: the source's permission bits
};

struct GuestImageSpec {
  // Kernel: a linux-image-*.deb (boot/vmlinuz-* + lib/modules), or `kernel` (a bzImage) with an
  // optional unpacked lib/modules/<version> tree in `modules_dir`.
  std::string kernel_deb;
  std::string kernel;
  std::string modules_dir;
  std::vector<std::string> modules = DefaultGuestModules();
  // busybox: /bin/busybox from a busybox-static .deb, else this static host binary.
  std::string busybox_deb;
  std::string busybox = "/bin/busybox";
  // crun: /usr/bin/crun from a crun .deb, else this host binary; its shared libraries come from
  // the host (ldd) in both cases. Both empty: no OCI runtime in the image.
  std::string crun_deb;
  std::string crun = "/usr/bin/crun";
  // /init. Empty: a busybox script that loads the modules, prints kGuestUpMarker, /proc/modules
  // and `crun --version`, then powers off (the smoke test of the image).
  std::string agent;
  std::vector<GuestFile> extra_files;
  uint32_t mtime = 0;  // every entry's mtime (SOURCE_DATE_EPOCH)
  int gzip_level = 6;  // 9 takes 5x longer for 0.5 % less
};

inline constexpr const char* kGuestUpMarker = "COCOON-GUEST-UP";
inline constexpr const char* kGuestDoneMarker = "COCOON-GUEST-DONE";
// Where the guest finds its module load order: one /lib/modules/… path per line.
inline constexpr const char* kGuestModuleList = "/etc/cocoon/modules";

struct OutputFile {
  std::string path;
  uint64_t size = 0;
  std::string sha256;  // lower-case hex
  std::string sha384;
};

struct PackageRecord {
  std::string name;  // "busybox-static", or "libc6:amd64" for a host library's package
  std::string version;
  std::string origin;  // "deb sha256:<hex>" or "host <path>[, <path>…]"
};

struct GuestImage {
  std::string kernel_version;
  OutputFile kernel;                         // <out>/vmlinuz
  OutputFile vmlinux;                        // <out>/vmlinux: its ELF payload (PVH boot)
  OutputFile initramfs;                      // <out>/initramfs.cpio.gz
  std::string manifest;                      // <out>/manifest.json
  std::vector<std::string> modules;          // load order
  std::vector<std::string> builtin_modules;  // requested but built into the kernel
  std::vector<PackageRecord> packages;       // sorted by name
};

// Builds and writes vmlinuz, initramfs.cpio.gz and manifest.json into out_dir (created if
// missing). Same inputs, same bytes. Errors: InvalidArgument for an incomplete spec; NotFound for
// a missing package, binary, module or library (naming it); DataLoss for a corrupt package;
// Internal when out_dir cannot be written.
Result<GuestImage> BuildGuestImage(const GuestImageSpec& spec, const std::string& out_dir);

// SOURCE_DATE_EPOCH when set to a valid number, else 0.
uint32_t SourceDateEpoch();

// The package cache `scripts/setup` fills: $COCOON_DEB_CACHE, else /var/cache/cocoon/debs for
// root, else $HOME/.cache/cocoon/debs.
std::string DefaultDebCacheDir();

// Fills kernel_deb, busybox_deb and crun_deb from the single linux-image-*, busybox-static_* and
// crun_* package in `dir`. NotFound when the directory holds no kernel package;
// FailedPrecondition when it holds several of one kind (naming them).
Status UseDebDir(const std::string& dir, GuestImageSpec& spec);

// $COCOON_CACHE/guest, else $XDG_CACHE_HOME/cocoon/guest, else ~/.cache/cocoon/guest.
std::string DefaultGuestCacheDir();

// The boot files of a built guest image.
struct GuestBootFiles {
  std::string dir;
  std::string kernel;  // vmlinux (PVH) when present, else vmlinuz
  std::string initrd;
  bool built = false;  // built by this call
};

// The guest image in `dir` when it has one (manifest.json, initramfs and a kernel).
Result<GuestBootFiles> FindGuestImage(const std::string& dir);

// Where EnsureGuestImage keeps the image for `agent` (below). Errors: those of reading the agent.
Result<std::string> GuestImageDir(const std::string& agent, const std::string& cache_root);

// The default pod VM image for `agent`: <cache_root>/<first 16 hex digits of the SHA-256 of
// the agent and the image recipe>, built on first use from the packages in DefaultDebCacheDir() with the agent
// stripped of debug info (so a rebuilt agent gets its own image). NotFound naming scripts/setup
// when the packages are missing.
Result<GuestBootFiles> EnsureGuestImage(const std::string& agent, const std::string& cache_root);

}  // namespace cocoon::runtime
