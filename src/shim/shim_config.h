// The shim's configuration: the runtime's defaults for every pod VM it starts (guest image,
// memory, vCPUs, accelerator, TEE, firmware), the initdata a pod gets when its annotations carry
// none, and where the pods' sockets live. Read from the TOML file containerd's runtime options
// name (`ConfigPath`), else /etc/cocoon/shim.toml, else built-in defaults. The file is the
// operator's; docs/config.md lists every key.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"
#include "runtime/hypervisor.h"

namespace cocoon::shim {

inline constexpr std::string_view kDefaultShimConfigPath = "/etc/cocoon/shim.toml";

struct ShimConfig {
  // [guest]
  std::string guest_dir;    // a built guest image (kernel + initramfs); empty: EnsureGuestImage
  std::string agent;        // cocoon-agent for EnsureGuestImage; empty: next to the shim binary
  std::string guest_cache;  // EnsureGuestImage's cache; empty: runtime::DefaultGuestCacheDir()
  // [vm]
  uint32_t memory_mib = 1024;
  uint32_t vcpus = 1;
  runtime::Accel accel = runtime::Accel::kAuto;
  runtime::Tee tee = runtime::Tee::kNone;
  std::string firmware;
  // [pod]
  std::string initdata;       // default initdata TOML file; empty: the pod must carry one
  std::string registry_auth;  // containers auth.json file for the guest's pulls
  std::chrono::seconds agent_timeout{180};
  std::chrono::seconds create_timeout{900};
  // [shim]
  std::string socket_dir = "/run/containerd/s";
};

// Parses the file's text (`source` names it in errors). InvalidArgument "source:line:col: key:
// message" for a TOML error, a value of the wrong type or out of range, or an unknown key.
Result<ShimConfig> ParseShimConfig(std::string_view toml, std::string_view source);
// Reads `path`; an empty path reads kDefaultShimConfigPath when it exists, else gives the
// defaults.
Result<ShimConfig> LoadShimConfig(const std::string& path);

}  // namespace cocoon::shim
