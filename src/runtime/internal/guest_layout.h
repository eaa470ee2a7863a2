// The fixed parts of the guest's initramfs: directories, /etc files, busybox applet links and the
// smoke-test /init. Nothing here depends on the build host.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "runtime/cpio_writer.h"

namespace cocoon::runtime::internal {

// dev proc sys tmp run mnt root etc (…), /etc/passwd and /etc/group with root only.
Status AddBaseLayout(CpioBuilder& cpio);

// /bin/busybox plus /bin/<applet> -> busybox for the applets init and the agent use (sh, mount,
// insmod, modprobe, ip, switch_root, poweroff, …). A fixed list, so the host's busybox build does
// not change the image's layout.
Status AddBusybox(CpioBuilder& cpio, std::string busybox);

// The busybox /init used when no agent is given: mounts proc/sys/devtmpfs, insmods the modules
// listed in kGuestModuleList in order, prints kGuestUpMarker, /proc/modules, `crun --version`
// (when crun is in the image) and kGuestDoneMarker to the console, then powers off.
std::string SmokeInitScript(bool with_crun);

}  // namespace cocoon::runtime::internal
