// Pod networking on the host side: `ip` and `tc` (iproute2) run in the pod's namespace through
// nsenter; the tap is opened from a thread that joined the namespace.
#include "shim/pod_network.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>
#include <future>
#include <regex>
#include <thread>

#include "base/json.h"
#include "base/logging.h"
#include "base/subprocess.h"

namespace cocoon::shim {
namespace {

Result<std::string> InNetns(const std::string& netns, std::vector<std::string> argv) {
  std::vector<std::string> full = {"nsenter", "--net=" + netns, "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  auto r = base::RunCommand(full, {.max_bytes = 1 << 20,
                                   .truncate = false,
                                   .merge_stderr = false,
                                   .spawn = {},
                                   .wait = {}});
  std::string shown;
  for (const auto& a : argv) shown += (shown.empty() ? "" : " ") + a;
  if (!r) return std::unexpected(r.error().WithContext("`" + shown + "` in " + netns));
  if (r->exit_code != 0) {
    return Unavailable("`" + shown + "` in " + netns + " exited " + std::to_string(r->exit_code) +
                       ": " + r->err.substr(0, 500));
  }
  return r->out;
}

bool ValidMac(const std::string& mac) {
  static const std::regex re("^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$");
  return std::regex_match(mac, re);
}

// The tap, created by TUNSETIFF from a thread inside the namespace; it lives while an fd is open.
Result<int> OpenTap(const std::string& netns) {
  std::promise<Result<int>> done;
  std::thread([&] {
    int ns = ::open(netns.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
      done.set_value(NotFound("network namespace " + netns + ": " + std::strerror(errno)));
      return;
    }
    if (::setns(ns, CLONE_NEWNET) != 0) {
      int e = errno;
      ::close(ns);
      done.set_value(PermissionDenied("joining " + netns + ": " + std::strerror(e)));
      return;
    }
    ::close(ns);
    int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      done.set_value(NotFound(std::string("/dev/net/tun: ") + std::strerror(errno)));
      return;
    }
    ifreq ifr{};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::strncpy(ifr.ifr_name, kPodTapName, IFNAMSIZ - 1);
    if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
      int e = errno;
      ::close(fd);
      done.set_value(Internal(std::string("creating ") + kPodTapName + " in " + netns + ": " +
                              std::strerror(e)));
      return;
    }
    done.set_value(fd);
  }).join();
  return done.get_future().get();
}

}  // namespace

Result<PodNetwork> PodNetworkFromIp(std::string_view addr_json, std::string_view route_json,
                                    std::string* link) {
  auto addrs = base::ParseJson(addr_json);
  if (!addrs || !addrs->is_array()) return InvalidArgument("`ip -j addr` gave no JSON array");
  PodNetwork out;
  for (const auto& l : *addrs) {
    if (!l.is_object() || l.value("ifname", "") == "lo") continue;
    if (!l.contains("addr_info") || !l["addr_info"].is_array()) continue;
    for (const auto& a : l["addr_info"]) {
      if (!a.is_object() || a.value("family", "") != "inet") continue;
      std::string mac = l.value("address", "");
      if (!ValidMac(mac)) return InvalidArgument("the pod's link has no valid MAC ('" + mac + "')");
      *link = l.value("ifname", "");
      out.nic.set_device(kGuestPodLink);
      out.nic.set_name(kGuestPodLink);
      out.nic.set_hwaddr(mac);
      out.nic.set_type("veth");
      if (l.contains("mtu") && l["mtu"].is_number_unsigned()) out.nic.set_mtu(l["mtu"].get<uint64_t>());
      auto* ip = out.nic.add_ipaddresses();
      ip->set_family(::grpc::v4);
      ip->set_address(a.value("local", ""));
      if (!a.contains("prefixlen") || !a["prefixlen"].is_number_unsigned()) {
        return InvalidArgument("the pod address has no prefix length");
      }
      ip->set_mask(std::to_string(a["prefixlen"].get<unsigned>()));
      break;
    }
    if (!link->empty()) break;
  }
  if (link->empty()) return InvalidArgument("the pod's network namespace has no IPv4 address");
  auto routes = base::ParseJson(route_json);
  if (!routes || !routes->is_array()) return InvalidArgument("`ip -j route` gave no JSON array");
  for (const auto& r : *routes) {
    if (!r.is_object() || r.value("dev", "") != *link) continue;
    std::string dst = r.value("dst", "");
    std::string gw = r.value("gateway", "");
    // The connected route comes with the address; only routes through a gateway are sent.
    if (gw.empty()) continue;
    auto* route = out.routes.add_routes();
    route->set_dest(dst == "default" ? "" : dst);
    route->set_gateway(gw);
    route->set_device(kGuestPodLink);
    route->set_family(::grpc::v4);
  }
  return out;
}

Result<PodNetwork> AttachPodNetwork(const std::string& netns) {
  ASSIGN_OR_RETURN(std::string addr_json, InNetns(netns, {"ip", "-j", "addr", "show"}));
  ASSIGN_OR_RETURN(std::string route_json, InNetns(netns, {"ip", "-j", "-4", "route", "show"}));
  std::string link;
  auto net = PodNetworkFromIp(addr_json, route_json, &link);
  if (!net) return std::unexpected(net.error().WithContext(netns));
  ASSIGN_OR_RETURN(int fd, OpenTap(netns));
  net->tap_fd = fd;
  auto fail = [&](const Error& e) -> Result<PodNetwork> {
    ::close(fd);
    return std::unexpected(e);
  };
  std::string mtu = std::to_string(net->nic.mtu() > 0 ? net->nic.mtu() : 1500);
  const std::string tap = kPodTapName;
  std::vector<std::vector<std::string>> steps = {
      {"ip", "link", "set", tap, "mtu", mtu, "up"},
      {"tc", "qdisc", "replace", "dev", link, "ingress"},
      {"tc", "qdisc", "replace", "dev", tap, "ingress"},
      {"tc", "filter", "add", "dev", link, "parent", "ffff:", "protocol", "all", "u32", "match",
       "u8", "0", "0", "action", "mirred", "egress", "redirect", "dev", tap},
      {"tc", "filter", "add", "dev", tap, "parent", "ffff:", "protocol", "all", "u32", "match",
       "u8", "0", "0", "action", "mirred", "egress", "redirect", "dev", link},
  };
  for (const auto& step : steps) {
    if (auto st = InNetns(netns, step); !st) return fail(st.error());
  }
  LOG_INFO("pod network: {} {}/{} ({}) mirrored to {}", link, net->nic.ipaddresses(0).address(),
           net->nic.ipaddresses(0).mask(), net->nic.hwaddr(), tap);
  return net;
}

}  // namespace cocoon::shim
