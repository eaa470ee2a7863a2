// The kernel image and the module set for the guest, read from a Debian linux-image package (or
// from a kernel file plus an unpacked lib/modules/<version> tree). Trusts the package's origin
// (apt); module files are still parsed with bounds checks.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/error.h"

namespace cocoon::runtime::internal {

struct KernelModule {
  std::string name;      // "virtio_net"
  std::string rel_path;  // "kernel/drivers/net/virtio_net.ko" (under lib/modules/<version>)
  std::string data;
  std::vector<std::string> depends;
};

struct KernelFiles {
  std::string version;                // "6.1.0-56-amd64"; empty when no modules were asked for
  std::string image;                  // the bzImage bytes
  std::vector<KernelModule> modules;  // in load order (dependencies first)
  std::vector<std::string> builtin;   // requested modules that are built into the kernel
};

// One pass over the package finds boot/vmlinuz-*, modules.builtin and every module's
// dependencies; a second pass reads the dependency closure when the first did not keep it all.
// Errors: NotFound for a missing package, kernel image or module (naming it); FailedPrecondition
// when the package holds several kernels; Unimplemented for compressed modules (.ko.xz/.ko.zst;
// bookworm's 6.1 kernel ships plain .ko).
Result<KernelFiles> ReadKernelDeb(const std::string& deb, const std::vector<std::string>& wanted);

// The same from a kernel image file and an unpacked lib/modules/<version> directory (whose
// name is the version). An empty `modules_dir` requires an empty `wanted`.
Result<KernelFiles> ReadKernelDir(const std::string& kernel, const std::string& modules_dir,
                                  const std::vector<std::string>& wanted);

// The uncompressed ELF kernel inside a bzImage (its setup header's payload, gzip/xz/zstd/lzma
// compressed). QEMU boots it through the PVH entry point, about twice as fast as the bzImage
// under TCG. InvalidArgument when the image is not a bzImage or the payload is not an ELF.
Result<std::string> ExtractVmlinux(std::string_view bzimage);

// modules.dep lines for the included modules ("kernel/a.ko: kernel/b.ko"), so that busybox
// modprobe works in the guest.
std::string ModulesDep(const std::vector<KernelModule>& modules);

}  // namespace cocoon::runtime::internal
