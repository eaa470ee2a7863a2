// The agent's duties as the guest's PID 1 (no other init runs): pseudo filesystems, kernel
// modules, QEMU user-net addressing, moving the root off the initramfs so OCI runtimes can
// pivot_root, locating the virtio-serial port and the initdata disk. Trusts the guest image;
// the initdata disk is host-supplied (its digest is bound to the TEE evidence).
#pragma once

#include <string>

#include "base/error.h"

namespace cocoon::guest::pid1 {

// Mounts /proc, /sys, /dev (devtmpfs), /dev/pts, /dev/shm, /run, /tmp, /sys/fs/cgroup (v2).
// Already-mounted targets are kept. Internal naming the first mount that fails.
Status MountPseudoFilesystems();

// Loads each module named in `list_file` (one per line, in load order; "#" comments) from
// `<module_dir>/<name>.ko` with finit_module. Already-loaded modules are fine. NotFound if the
// list is absent; Internal naming the module that fails.
Status LoadModules(const std::string& list_file, const std::string& module_dir);

// The parameters for module `name` on the kernel command line ("virtio_mmio.device=… " →
// "device=…"), '-' and '_' equivalent in the name, space-separated for finit_module.
std::string ModuleParamsFromCmdline(const std::string& cmdline, std::string name);

// lo up; eth0 10.0.2.15/24 up with default route via 10.0.2.2 (QEMU user networking) and
// /etc/resolv.conf naming 10.0.2.3. NotFound if eth0 does not exist.
Status ConfigureNetwork();

// If / is the initramfs (rootfs), makes a tmpfs the root (mount move + chroot), like
// switch_root, with the initramfs's top-level directories bind-mounted into it (files and
// symlinks copied): OCI runtimes can pivot_root from there. Otherwise does nothing. Internal on
// failure.
Status MoveRootToTmpfs();

// /dev/<vport> of the virtio-serial port named `name` (from /sys/class/virtio-ports/*/name),
// with a /dev/virtio-ports/<name> symlink made. NotFound if no port has that name.
Result<std::string> FindVirtioPort(const std::string& name);

// The TOML of the first /dev/vd* disk that starts with the kata initdata header ("initdata",
// u64 LE gzip length, gzip TOML). NotFound if none; DataLoss if the header or gzip is bad.
Result<std::string> ReadInitDataDisk();

}  // namespace cocoon::guest::pid1
