// PID 1 setup steps (see pid1.h).
#include "guest/pid1.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <net/route.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/byte_reader.h"
#include "base/file.h"
#include "image/layer/decompress.h"
#include "image/transport.h"

namespace cocoon::guest::pid1 {
namespace fs = std::filesystem;
namespace {

std::string Errno() { return std::strerror(errno); }

Status MountOne(const char* src, const char* target, const char* type, unsigned long flags,
                const char* data) {
  ::mkdir(target, 0755);
  if (::mount(src, target, type, flags, data) == 0 || errno == EBUSY) return Ok();
  return Internal(std::string("mount ") + type + " on " + target + ": " + Errno());
}

// Copies `from` into `to` recursively (files, dirs, symlinks; modes kept). Skips `skip`.
// The new root's contents without copying them: every top-level directory of the initramfs is
// bind-mounted into the tmpfs, top-level files and symlinks are copied. Copying the whole tree
// cost ~0.4 s of the boot under TCG; the binds cost nothing, and the root is still a real mount
// (not rootfs), which is all pivot_root in the OCI runtime needs.
Status BindTopLevel(const fs::path& newroot) {
  std::error_code ec;
  for (fs::directory_iterator it("/", ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path src = it->path();
    if (src == newroot) continue;
    const fs::path dst = newroot / src.filename();
    auto st = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_symlink(st)) {
      fs::create_symlink(fs::read_symlink(src, ec), dst, ec);
    } else if (fs::is_directory(st)) {
      fs::create_directory(dst, ec);
      if (!ec && ::mount(src.c_str(), dst.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
        return Internal("bind " + src.string() + " into the new root: " + Errno());
      }
    } else if (fs::is_regular_file(st)) {
      fs::copy_file(src, dst, ec);
    } else {
      continue;  // device nodes, fifos: devtmpfs provides the devices
    }
    if (ec) return Internal("moving " + src.string() + " to tmpfs: " + ec.message());
    fs::permissions(dst, st.permissions(), fs::perm_options::replace | fs::perm_options::nofollow,
                    ec);
    ec.clear();
  }
  if (ec) return Internal("reading /: " + ec.message());
  return Ok();
}

Status IfUp(int sock, const char* name) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (::ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) return NotFound(std::string("no interface ") + name);
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(sock, SIOCSIFFLAGS, &ifr) != 0)
    return Internal(std::string("up ") + name + ": " + Errno());
  return Ok();
}

sockaddr Inet(const char* addr) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  ::inet_pton(AF_INET, addr, &in.sin_addr);
  sockaddr out{};
  std::memcpy(&out, &in, sizeof(in));
  return out;
}

}  // namespace

Status MountPseudoFilesystems() {
  TRY(MountOne("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr));
  TRY(MountOne("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr));
  TRY(MountOne("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"));
  TRY(MountOne("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
               "gid=5,mode=620,ptmxmode=666"));
  TRY(MountOne("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"));
  TRY(MountOne("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"));
  TRY(MountOne("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"));
  TRY(MountOne("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr));
  return Ok();
}

// "name.param=value" words of the kernel command line for module `name` ('-' and '_' alike),
// as modprobe passes them: finit_module does not read /proc/cmdline itself. QEMU's microvm puts
// its virtio-mmio devices there (virtio_mmio.device=…).
std::string ModuleParamsFromCmdline(const std::string& cmdline, std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  std::string params;
  std::istringstream words(cmdline);
  for (std::string w; words >> w;) {
    std::string key = w.substr(0, w.find('='));
    std::replace(key.begin(), key.end(), '-', '_');
    if (key.size() > name.size() + 1 && key.starts_with(name + ".")) {
      params += (params.empty() ? "" : " ") + w.substr(name.size() + 1);
    }
  }
  return params;
}

Status LoadModules(const std::string& list_file, const std::string& module_dir) {
  ASSIGN_OR_RETURN(std::string list, base::ReadFile(list_file, "module list"));
  std::string cmdline = base::ReadFile("/proc/cmdline", "kernel command line").value_or("");
  std::istringstream lines(list);
  std::string
      failed;  // keep going: a module for absent hardware (sev-guest) must not stop the rest
  for (std::string name; std::getline(lines, name);) {
    if (name.empty() || name[0] == '#') continue;
    // Entries are absolute paths (what `cocoon guest build` writes) or names under module_dir.
    std::string path = name[0] == '/' ? name : module_dir + "/" + name;
    if (!path.ends_with(".ko")) path += ".ko";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      failed += " " + path + " (" + Errno() + ")";
      continue;
    }
    std::string stem = path.substr(path.rfind('/') + 1);
    std::string params = ModuleParamsFromCmdline(cmdline, stem.substr(0, stem.size() - 3));
    long rc = ::syscall(SYS_finit_module, fd, params.c_str(), 0);
    int err = errno;
    ::close(fd);
    if (rc != 0 && err != EEXIST) failed += " " + path + " (" + std::strerror(err) + ")";
  }
  if (!failed.empty()) return Internal("modules not loaded:" + failed);
  return Ok();
}

Status ConfigureInterfaces(int sock) {
  TRY(IfUp(sock, "lo"));
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "eth0", IFNAMSIZ - 1);
  ifr.ifr_addr = Inet("10.0.2.15");
  if (::ioctl(sock, SIOCSIFADDR, &ifr) != 0) return NotFound("eth0 address: " + Errno());
  ifr.ifr_netmask = Inet("255.255.255.0");
  if (::ioctl(sock, SIOCSIFNETMASK, &ifr) != 0) return Internal("eth0 netmask: " + Errno());
  TRY(IfUp(sock, "eth0"));
  rtentry rt{};
  rt.rt_dst = Inet("0.0.0.0");
  rt.rt_genmask = Inet("0.0.0.0");
  rt.rt_gateway = Inet("10.0.2.2");
  rt.rt_flags = RTF_UP | RTF_GATEWAY;
  if (::ioctl(sock, SIOCADDRT, &rt) != 0 && errno != EEXIST) {
    return Internal("default route: " + Errno());
  }
  return Ok();
}

Status ConfigureNetwork() {
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return Internal("socket: " + Errno());
  Status st = ConfigureInterfaces(sock);
  ::close(sock);
  TRY(st);
  std::ofstream("/etc/resolv.conf") << "nameserver 10.0.2.3\n";
  return Ok();
}

Status MoveRootToTmpfs() {
  struct statfs sfs {};
  if (::statfs("/", &sfs) != 0) return Internal("statfs /: " + Errno());
  if (sfs.f_type != RAMFS_MAGIC && sfs.f_type != TMPFS_MAGIC) return Ok();
  // The initramfs is a rootfs mount; a tmpfs we mounted ourselves is not "/" of rootfs.
  ASSIGN_OR_RETURN(std::string mounts, base::ReadFile("/proc/self/mounts", "mounts"));
  if (!mounts.starts_with("none / rootfs") && !mounts.starts_with("rootfs / rootfs")) return Ok();
  const fs::path newroot = "/.cocoon-root";
  TRY(MountOne("tmpfs", newroot.c_str(), "tmpfs", 0, "mode=0755"));
  for (const char* m : {"/proc", "/sys", "/dev", "/run", "/tmp"}) {
    if (::umount2(m, MNT_DETACH) != 0 && errno != EINVAL)
      return Internal(std::string("umount ") + m);
  }
  TRY(BindTopLevel(newroot));
  if (::chdir(newroot.c_str()) != 0) return Internal("chdir new root: " + Errno());
  if (::mount(".", "/", nullptr, MS_MOVE, nullptr) != 0) return Internal("move root: " + Errno());
  if (::chroot(".") != 0 || ::chdir("/") != 0) return Internal("chroot: " + Errno());
  return Ok();
}

Result<std::string> FindVirtioPort(const std::string& name) {
  std::error_code ec;
  for (fs::directory_iterator it("/sys/class/virtio-ports", ec), end; !ec && it != end;
       it.increment(ec)) {
    auto port_name = base::ReadFile(it->path().string() + "/name", "virtio port name", 256);
    if (!port_name) continue;
    std::string n = *port_name;
    while (!n.empty() && (n.back() == '\n' || n.back() == '\0')) n.pop_back();
    if (n != name) continue;
    std::string dev = "/dev/" + it->path().filename().string();
    fs::create_directories("/dev/virtio-ports", ec);
    fs::create_symlink(dev, "/dev/virtio-ports/" + name, ec);
    return dev;
  }
  return NotFound("no virtio-serial port named " + name);
}

Result<std::string> ReadInitDataDisk() {
  std::error_code ec;
  for (fs::directory_iterator it("/dev", ec), end; !ec && it != end; it.increment(ec)) {
    std::string dev = it->path().string();
    if (!it->path().filename().string().starts_with("vd")) continue;
    int fd = ::open(dev.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    uint8_t head[16];
    bool ok =
        ::pread(fd, head, sizeof(head), 0) == sizeof(head) && std::memcmp(head, "initdata", 8) == 0;
    if (!ok) {
      ::close(fd);
      continue;
    }
    base::ByteReader r(ByteSpan(head, sizeof(head)));
    (void)r.Skip(8);
    uint64_t len = r.U64Le("initdata length").value_or(0);
    if (len == 0 || len > (1u << 20)) {
      ::close(fd);
      return DataLoss("initdata disk " + dev + " has a bad length");
    }
    std::string gz(len, '\0');
    bool read_ok = ::pread(fd, gz.data(), len, 16) == static_cast<ssize_t>(len);
    ::close(fd);
    if (!read_ok) return DataLoss("initdata disk " + dev + " is truncated");
    image::BytesSink out(1u << 20);
    image::DecompressingSink gunzip(image::Compression::kGzip, &out);
    TRY(gunzip.Write(AsBytes(gz)));
    TRY(gunzip.Finish());
    return ToString(out.bytes());
  }
  return NotFound("no initdata disk");
}

}  // namespace cocoon::guest::pid1
