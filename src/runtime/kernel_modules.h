// Kernel module dependencies without depmod: the `depends=` entry of each module's .modinfo ELF
// section, and the load order for a requested set. Modules come from the Debian kernel package;
// the ELF parse is still bounds-checked (ByteReader) so a bad file is an error, not a crash.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace cocoon::runtime {

// The modules a pod VM needs: virtio transports (mmio for microvm, pci for q35), the agent's
// virtio-serial port, network, block, 9p shares, overlayfs, vsock for hosts that have it, and the
// SEV-SNP guest device. TPM TIS/CRB are built into Debian's kernel (listed so that a kernel
// building them as modules still gets them).
std::vector<std::string> DefaultGuestModules();

// "9pnet-virtio.ko" or "kernel/net/9p/9pnet_virtio.ko" -> "9pnet_virtio" (the kernel treats '-'
// and '_' alike in module names).
std::string ModuleNameFromPath(std::string_view path);

// The NUL-separated "key=value" strings of the .modinfo section of an ELF64 little-endian module.
// InvalidArgument naming `what` for a truncated or non-ELF64 file or a missing section.
Result<std::vector<std::string>> ReadModinfo(std::string_view ko, std::string_view what);

// The module names in `depends=` (normalized), empty when the module depends on nothing.
Result<std::vector<std::string>> ModuleDepends(std::string_view ko, std::string_view what);

// Module names listed in a kernel's modules.builtin ("kernel/drivers/char/tpm/tpm_tis.ko" lines).
std::set<std::string> ParseModulesBuiltin(std::string_view text);

// Load order for `wanted`: each module after its dependencies, in first-visit order so the result
// depends only on the inputs. Built-in modules are skipped. Errors: NotFound naming a module that
// is neither in `depends` nor built in (and which module needed it); FailedPrecondition for a
// dependency cycle.
Result<std::vector<std::string>> ResolveLoadOrder(
    const std::vector<std::string>& wanted,
    const std::map<std::string, std::vector<std::string>>& depends,
    const std::set<std::string>& builtin);

}  // namespace cocoon::runtime
