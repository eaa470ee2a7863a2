// The pod VM in the pod's network (issue 15, networking): containerd's CRI runs CNI before the
// sandbox task exists, so the sandbox's config.json names a network namespace holding `eth0` with
// the pod IP. The shim creates a tap next to it, mirrors all traffic between the two with tc
// (kata's `tcfilter` model: the veth keeps its address, the guest NIC takes over its MAC), hands
// the tap to QEMU as an fd, and tells the guest the address and routes.
#pragma once

#include <string>

#include "agent.pb.h"
#include "base/error.h"

namespace cocoon::shim {

inline constexpr char kPodTapName[] = "tap0_cocoon";
inline constexpr char kGuestPodLink[] = "pod0";  // the pod NIC's name in the guest

struct PodNetwork {
  int tap_fd = -1;             // for QEMU's -netdev tap,fd= (close after the VM started)
  ::grpc::Interface nic;       // what the guest's pod0 gets: eth0's MAC, MTU and IPv4 address
  ::grpc::Routes routes;       // eth0's routes other than the connected one, via pod0
};

// Parses `ip -j addr show` and `ip -j -4 route show` as run in the namespace: the first
// non-loopback link with an IPv4 address, and its routes. InvalidArgument naming what is missing
// or malformed (the namespace is the host's: untrusted, but only for this pod's network).
Result<PodNetwork> PodNetworkFromIp(std::string_view addr_json, std::string_view route_json,
                                    std::string* link);

// Reads the namespace at `netns` (a path such as /var/run/netns/cni-…), creates the tap and the
// tc mirroring in it, and returns the tap's fd. Errors name the step and the command's output.
Result<PodNetwork> AttachPodNetwork(const std::string& netns);

}  // namespace cocoon::shim
