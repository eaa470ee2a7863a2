// Fixed guest layout and smoke /init (see guest_layout.h).
#include "runtime/internal/guest_layout.h"

#include "runtime/guest_image.h"

namespace cocoon::runtime::internal {

Status AddBaseLayout(CpioBuilder& cpio) {
  for (const char* dir : {"bin", "sbin", "dev", "etc/cocoon", "lib", "mnt", "proc", "run", "sys",
                          "usr/bin", "usr/sbin", "var"}) {
    TRY(cpio.AddDirectory(dir, 0755));
  }
  TRY(cpio.AddDirectory("tmp", 01777));
  TRY(cpio.AddDirectory("root", 0700));
  TRY(cpio.AddFile("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644));
  TRY(cpio.AddFile("etc/group", "root:x:0:\n", 0644));
  return Ok();
}

Status AddBusybox(CpioBuilder& cpio, std::string busybox) {
  TRY(cpio.AddFile("bin/busybox", std::move(busybox), 0755));
  for (const char* applet :
       {"sh",    "ash",         "cat",      "chmod",   "cp",       "cut",  "dmesg",  "echo",
        "grep",  "head",        "insmod",   "ip",      "kill",     "ln",   "ls",     "lsmod",
        "mkdir", "mknod",       "modprobe", "mount",   "poweroff", "ps",   "reboot", "rm",
        "sleep", "switch_root", "sync",     "timeout", "umount",   "uname"}) {
    TRY(cpio.AddSymlink(std::string("bin/") + applet, "busybox"));
  }
  return Ok();
}

std::string SmokeInitScript(bool with_crun) {
  std::string s =
      "#!/bin/sh\n"
      "# cocoon guest smoke /init (no agent given): load modules, report, power off.\n"
      "export PATH=/bin:/sbin:/usr/bin:/usr/sbin\n"
      "mount -t proc proc /proc\n"
      "mount -t sysfs sysfs /sys\n"
      "mount -t devtmpfs devtmpfs /dev\n"
      "while read -r m; do insmod \"$m\" || echo \"COCOON-INSMOD-FAILED $m\"; done < ";
  s += kGuestModuleList;
  s += "\necho ";
  s += kGuestUpMarker;
  s += "\ncat /proc/modules\n";
  if (with_crun) s += "crun --version && echo COCOON-CRUN-OK\n";
  s += "echo ";
  s += kGuestDoneMarker;
  s += "\npoweroff -f\n";
  return s;
}

}  // namespace cocoon::runtime::internal
