// A tiny test guest: the Debian kernel scripts/setup caches (PVH vmlinux) plus an initramfs made
// here from busybox-static, a few virtio modules and a given /init script. Trusts the cache.
#pragma once

#include <chrono>
#include <string>

#include "base/error.h"

namespace cocoon::testing {

// $COCOON_CACHE/kernel (default ~/.cache/cocoon/kernel), filled by scripts/setup.
std::string KernelCacheDir();

// The guest kernel (vmlinux). NotFound naming scripts/setup when absent.
Result<std::string> GuestKernel();

// Writes `dir`/initrd.cpio: /bin/busybox, the modules virtio_mmio, virtio_console, virtio_net
// and qemu_fw_cfg (with their dependencies, load order in /etc/modules.order) and `init` as
// /init. Returns its path. NotFound for a missing busybox, cpio or module.
Result<std::string> MakeInitramfs(const std::string& dir, const std::string& init);

// The common start of every test /init: busybox applets, /proc /sys /dev, modules, eth0 at
// 10.0.2.15, and $port = the agent's virtio-serial device.
std::string InitPrologue();

// Reads one '\n'-terminated line from `fd` within `timeout` (the '\n' stripped).
// DeadlineExceeded or Unavailable (EOF) otherwise.
Result<std::string> ReadLine(int fd, std::chrono::milliseconds timeout);
Status WriteAll(int fd, std::string_view data);

}  // namespace cocoon::testing
