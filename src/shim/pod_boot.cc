// Pod VM boot for the shim (see pod_boot.h).
#include "shim/pod_boot.h"

#include <unistd.h>

#include <optional>

#include "base/file.h"
#include "base/logging.h"
#include "initdata/initdata.h"
#include "podproto/podproto.h"
#include "runtime/guest_image.h"
#include "shim/pod_network.h"

namespace cocoon::shim {

Result<runtime::PodVmSpec> PodVmSpecFor(const BundleSpec& spec, const ShimConfig& c) {
  runtime::PodVmSpec s;
  ASSIGN_OR_RETURN(s.initdata, InitDataFromAnnotations(spec.annotations));
  if (s.initdata.empty()) {
    if (c.initdata.empty()) {
      return FailedPrecondition("the pod carries no initdata (annotation " +
                                std::string(kKataInitDataAnnotation) + " or " +
                                std::string(kCocoonInitDataAnnotation) +
                                ") and the shim config names no default ([pod] initdata)");
    }
    ASSIGN_OR_RETURN(s.initdata, base::ReadFile(c.initdata, "[pod] initdata", kMaxInitDataBytes));
  }
  // The guest reaches host services only through forwards; the initdata names the ones it uses
  // (KBS, registries) at the guest service address.
  for (uint16_t port : initdata::ServicePorts(s.initdata, podproto::kGuestServiceAddress)) {
    s.services.push_back({.guest_port = port, .host_port = port, .host = "127.0.0.1"});
  }
  if (!c.registry_auth.empty()) {
    ASSIGN_OR_RETURN(s.registry_auth,
                     base::ReadFile(c.registry_auth, "[pod] registry_auth", 1 << 20));
  }
  s.memory_mib = c.memory_mib;
  s.vcpus = c.vcpus;
  s.accel = c.accel;
  s.tee = c.tee;
  s.firmware = c.firmware;
  s.agent_timeout = c.agent_timeout;
  s.create_timeout = c.create_timeout;
  return s;
}

Result<std::unique_ptr<runtime::PodVm>> BootPodVm(runtime::Hypervisor& hypervisor,
                                                  const BundleSpec& spec, const ShimConfig& c,
                                                  const std::string& agent_fallback) {
  ASSIGN_OR_RETURN(runtime::PodVmSpec s, PodVmSpecFor(spec, c));
  std::string agent = c.agent.empty() ? agent_fallback : c.agent;
  std::string cache = c.guest_cache.empty() ? runtime::DefaultGuestCacheDir() : c.guest_cache;
  ASSIGN_OR_RETURN(runtime::GuestBootFiles guest, c.guest_dir.empty()
                                                      ? runtime::EnsureGuestImage(agent, cache)
                                                      : runtime::FindGuestImage(c.guest_dir));
  // OVMF (SEV-SNP, TDX) boots the bzImage through its EFI stub; plain VMs the faster PVH vmlinux.
  s.kernel = s.tee == runtime::Tee::kNone ? guest.kernel : guest.dir + "/vmlinuz";
  s.initrd = guest.initrd;
  // A CRI sandbox: the VM joins the pod's network namespace (ctr's tasks keep user networking).
  std::optional<PodNetwork> net;
  if (spec.kind == TaskKind::kSandbox && !spec.netns.empty()) {
    auto attached = AttachPodNetwork(spec.netns);
    if (!attached) return std::unexpected(attached.error().WithContext("pod network"));
    net = std::move(*attached);
    s.pod_net_fd = net->tap_fd;
    s.pod_net_interface = net->nic;
    s.pod_net_routes = net->routes;
  }
  LOG_INFO("booting the pod VM ({} MiB, {} vCPU, TEE {}) from {}", s.memory_mib, s.vcpus,
           runtime::TeeName(s.tee), guest.dir);
  auto pod = runtime::PodVm::Boot(
      hypervisor, s,
      {.step = [](std::string_view line) { LOG_INFO("pod: {}", line); }, .vm_started = {}});
  // QEMU holds its own copy: the tap goes away with the VM.
  if (net) ::close(net->tap_fd);
  return pod;
}

}  // namespace cocoon::shim
