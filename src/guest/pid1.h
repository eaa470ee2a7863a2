// The agent's duties as the guest's PID 1 (no other init runs): pseudo filesystems, kernel
// modules, QEMU user-net addressing, moving the root off the initramfs so OCI runtimes can
// pivot_root, locating the virtio-serial port and the initdata disk. Trusts the guest image;
// the initdata disk is host-supplied (its digest is bound to the TEE evidence).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

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

// The agent's command line as PID 1: `argv0`, then one flag per line of `args_file` (written by
// the image build; empty lines and "#" comments skipped). The kernel hands init the command-line
// words it did not recognise, so PID 1's own argv is not used. A missing file adds nothing.
std::vector<std::string> AgentArgs(std::string_view argv0, const std::string& args_file);

// Everything the guest needs before the agent serves, in order: PATH (the kernel starts init
// without one; the OCI runtime and gpg are found through it), /proc, the root moved to tmpfs,
// the pseudo filesystems, the kernel modules listed in `modules_list`, the network. A step that
// fails is reported to `log` ("<step>: <error>") and the next one runs. Returns each step's
// duration ("mount /proc 1 ms, root to tmpfs 35 ms, …") for the console.
std::string PrepareGuest(const std::string& modules_list,
                         const std::function<void(const std::string&)>& log);

}  // namespace cocoon::guest::pid1
