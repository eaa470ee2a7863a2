// IPv4 configuration through ioctl(2): SIOCSIFNAME/MTU/ADDR/NETMASK/FLAGS and SIOC{ADD,DEL}RT.
#include "guest/pod_network.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <net/route.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "base/file.h"

namespace cocoon::guest {
namespace {

namespace fs = std::filesystem;

std::string Errno() { return std::strerror(errno); }

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

Result<in_addr> ParseIpv4(const std::string& text, std::string_view what) {
  in_addr a{};
  if (::inet_pton(AF_INET, text.c_str(), &a) != 1) {
    return InvalidArgument(std::string(what) + " '" + text.substr(0, 64) + "' is not an IPv4 address");
  }
  return a;
}

Result<int> ParsePrefix(const std::string& text) {
  if (text.empty() || text.size() > 2 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(c); })) {
    return InvalidArgument("prefix length '" + text.substr(0, 16) + "' is not a number");
  }
  int n = std::stoi(text);
  if (n > 32) return InvalidArgument("prefix length " + text + " is above 32");
  return n;
}

in_addr MaskOf(int prefix) {
  in_addr m{};
  m.s_addr = prefix == 0 ? 0 : htonl(~uint32_t{0} << (32 - prefix));
  return m;
}

sockaddr ToSockaddr(in_addr a) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr = a;
  sockaddr out{};
  std::memcpy(&out, &sin, sizeof sin);
  return out;
}

Status CheckName(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ || name.find('/') != std::string::npos ||
      name == "." || name == "..") {
    return InvalidArgument("interface name '" + name.substr(0, 32) + "' is not valid");
  }
  return Ok();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The link whose /sys/class/net/<name>/address is `mac`.
Result<std::string> LinkByMac(const std::string& mac) {
  std::error_code ec;
  for (fs::directory_iterator it("/sys/class/net", ec), end; !ec && it != end; it.increment(ec)) {
    auto addr = base::ReadFile(it->path().string() + "/address", "link address", 64);
    if (!addr) continue;
    std::string a = *addr;
    while (!a.empty() && (a.back() == '\n' || a.back() == ' ')) a.pop_back();
    if (Lower(a) == Lower(mac)) return it->path().filename().string();
  }
  return NotFound("no network link has the MAC " + mac.substr(0, 32));
}

Status SetFlags(int sock, const std::string& name, bool up) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) return Internal(name + " flags: " + Errno());
  if (up) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  } else {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags & ~IFF_UP);
  }
  if (::ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) return Internal(name + " up/down: " + Errno());
  return Ok();
}

bool IsDefault(const std::string& dest) { return dest.empty() || dest == "0.0.0.0/0" || dest == "default"; }

}  // namespace

Result<::grpc::Interface> ApplyInterface(const ::grpc::Interface& nic) {
  if (nic.hwaddr().empty()) return InvalidArgument("UpdateInterface names no hwAddr");
  const ::grpc::IPAddress* v4 = nullptr;
  for (const auto& a : nic.ipaddresses()) {
    if (a.family() == ::grpc::v4) {
      v4 = &a;
      break;
    }
  }
  if (v4 == nullptr && nic.ipaddresses_size() > 0) {
    return Unimplemented("the pod network has only IPv6 addresses; the guest configures IPv4");
  }
  ASSIGN_OR_RETURN(std::string link, LinkByMac(nic.hwaddr()));
  Socket sock;
  if (sock.fd() < 0) return Internal("socket: " + Errno());
  std::string name = nic.name().empty() ? link : nic.name();
  TRY(CheckName(name));
  if (name != link) {
    TRY(SetFlags(sock.fd(), link, false));
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, link.c_str(), IFNAMSIZ - 1);
    std::strncpy(ifr.ifr_newname, name.c_str(), IFNAMSIZ - 1);
    if (::ioctl(sock.fd(), SIOCSIFNAME, &ifr) != 0) {
      return Internal("renaming " + link + " to " + name + ": " + Errno());
    }
  }
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (nic.mtu() > 0) {
    if (nic.mtu() < 68 || nic.mtu() > 65535) {
      return InvalidArgument("MTU " + std::to_string(nic.mtu()) + " is out of range");
    }
    ifr.ifr_mtu = static_cast<int>(nic.mtu());
    if (::ioctl(sock.fd(), SIOCSIFMTU, &ifr) != 0) return Internal(name + " MTU: " + Errno());
  }
  if (v4 != nullptr) {
    ASSIGN_OR_RETURN(in_addr addr, ParseIpv4(v4->address(), "address"));
    ASSIGN_OR_RETURN(int prefix, ParsePrefix(v4->mask()));
    ifr.ifr_addr = ToSockaddr(addr);
    if (::ioctl(sock.fd(), SIOCSIFADDR, &ifr) != 0) return Internal(name + " address: " + Errno());
    ifr.ifr_netmask = ToSockaddr(MaskOf(prefix));
    if (::ioctl(sock.fd(), SIOCSIFNETMASK, &ifr) != 0) {
      return Internal(name + " netmask: " + Errno());
    }
  }
  TRY(SetFlags(sock.fd(), name, true));
  ::grpc::Interface out = nic;
  out.set_name(name);
  return out;
}

Result<::grpc::Routes> ApplyRoutes(const ::grpc::Routes& routes) {
  Socket sock;
  if (sock.fd() < 0) return Internal("socket: " + Errno());
  ::grpc::Routes applied;
  // Routes without a gateway first: a gateway must be reachable when its route is added.
  for (bool with_gateway : {false, true}) {
    for (const auto& r : routes.routes()) {
      if (r.family() != ::grpc::v4) continue;
      if (r.gateway().empty() == with_gateway) continue;
      rtentry rt{};
      std::string dev = r.device();
      if (!dev.empty()) TRY(CheckName(dev));
      in_addr dst{};
      int prefix = 0;
      if (!IsDefault(r.dest())) {
        auto slash = r.dest().find('/');
        ASSIGN_OR_RETURN(dst, ParseIpv4(r.dest().substr(0, slash), "route destination"));
        if (slash == std::string::npos) {
          prefix = 32;
        } else {
          ASSIGN_OR_RETURN(prefix, ParsePrefix(r.dest().substr(slash + 1)));
        }
      }
      rt.rt_dst = ToSockaddr(dst);
      rt.rt_genmask = ToSockaddr(MaskOf(prefix));
      rt.rt_flags = RTF_UP;
      if (prefix == 32) rt.rt_flags |= RTF_HOST;
      if (with_gateway) {
        ASSIGN_OR_RETURN(in_addr gw, ParseIpv4(r.gateway(), "gateway"));
        rt.rt_gateway = ToSockaddr(gw);
        rt.rt_flags |= RTF_GATEWAY;
      }
      std::vector<char> devbuf(dev.begin(), dev.end());
      devbuf.push_back('\0');
      if (!dev.empty()) rt.rt_dev = devbuf.data();
      if (IsDefault(r.dest())) {
        // The pod network's default route replaces the boot-time one (QEMU user networking).
        rtentry old{};
        old.rt_dst = ToSockaddr(in_addr{});
        old.rt_genmask = ToSockaddr(in_addr{});
        for (int i = 0; i < 8 && ::ioctl(sock.fd(), SIOCDELRT, &old) == 0; ++i) {
        }
      }
      if (::ioctl(sock.fd(), SIOCADDRT, &rt) != 0 && errno != EEXIST) {
        return Internal("route " + (r.dest().empty() ? std::string("default") : r.dest()) +
                        (with_gateway ? " via " + r.gateway() : "") + ": " + Errno());
      }
      *applied.add_routes() = r;
    }
  }
  return applied;
}

}  // namespace cocoon::guest
