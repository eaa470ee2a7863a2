// Test guest construction (kernel from the setup cache, initramfs via cpio) and line I/O.
#include "tests/guest_fixture.h"

#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace cocoon::testing {
namespace fs = std::filesystem;

namespace {

// Load order: dependencies first (modinfo depends= of the Debian 6.1 modules).
constexpr const char* kModules[] = {"virtio_ring", "virtio",       "virtio_mmio", "virtio_console",
                                    "failover",    "net_failover", "virtio_net",  "qemu_fw_cfg"};

Result<fs::path> FindModule(const fs::path& root, const std::string& name) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->path().filename() == name + ".ko") return it->path();
  }
  return NotFound("kernel module " + name + ".ko under " + root.string() + " (run scripts/setup)");
}

}  // namespace

std::string KernelCacheDir() {
  if (const char* c = std::getenv("COCOON_CACHE")) return std::string(c) + "/kernel";
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return std::string(x) + "/cocoon/kernel";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/root") + "/.cache/cocoon/kernel";
}

Result<std::string> GuestKernel() {
  std::string path = KernelCacheDir() + "/vmlinux";
  if (!fs::exists(path)) return NotFound("guest kernel " + path + " missing (run scripts/setup)");
  return path;
}

Result<std::string> MakeInitramfs(const std::string& dir, const std::string& init) {
  fs::path root = fs::path(dir) / "initramfs";
  std::error_code ec;
  for (const char* sub : {"bin", "lib/modules", "etc", "proc", "sys", "dev", "tmp"}) {
    fs::create_directories(root / sub, ec);
  }
  if (!fs::exists("/bin/busybox")) return NotFound("/bin/busybox (install busybox-static)");
  fs::copy_file("/bin/busybox", root / "bin/busybox", fs::copy_options::overwrite_existing, ec);
  std::ofstream order(root / "etc/modules.order");
  for (const char* m : kModules) {
    ASSIGN_OR_RETURN(fs::path ko, FindModule(KernelCacheDir() + "/modules/kernel", m));
    fs::copy_file(ko, root / "lib/modules" / ko.filename(), fs::copy_options::overwrite_existing,
                  ec);
    order << m << "\n";
  }
  order.close();
  std::ofstream(root / "init") << init;
  fs::permissions(root / "init", fs::perms::owner_all, ec);
  std::string out = dir + "/initrd.cpio";
  std::string cmd =
      "cd '" + root.string() + "' && find . | cpio -o -H newc --quiet > '" + out + "'";
  if (std::system(cmd.c_str()) != 0 || fs::file_size(out, ec) == 0) {
    return NotFound("cpio failed making " + out + " (install cpio)");
  }
  return out;
}

std::string InitPrologue() {
  return R"sh(#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /etc/modules.order); do insmod /lib/modules/$m.ko || echo "insmod $m failed"; done
for d in /sys/class/virtio-ports/*; do
  [ "$(cat $d/name)" = io.cocoon.agent ] && port=/dev/$(basename $d)
done
ip link set lo up; ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2
echo "GUEST-UP port=$port"
)sh";
}

Result<std::string> ReadLine(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return DeadlineExceeded("no line within timeout; partial: " + line);
    }
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n <= 0) return Unavailable("channel closed; partial: " + line);
    if (c == '\n') return line;
    line += c;
  }
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n <= 0) return Unavailable("write to channel failed");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

}  // namespace cocoon::testing
