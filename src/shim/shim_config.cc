// ShimConfig (see shim_config.h).
#include "shim/shim_config.h"

#include <sys/stat.h>

#include "base/file.h"
#include "base/toml.h"

namespace cocoon::shim {

Result<ShimConfig> ParseShimConfig(std::string_view text, std::string_view source) {
  ASSIGN_OR_RETURN(auto doc, base::TomlDocument::Parse(text, source));
  ShimConfig c;
  auto root = doc.root();
  TRY(root.RejectUnknown({"guest", "vm", "pod", "shim"}));
  ASSIGN_OR_RETURN(auto guest, root.Table("guest"));
  if (guest) {
    TRY(guest->RejectUnknown({"dir", "agent", "cache"}));
    TRY(guest->Read("dir", c.guest_dir));
    TRY(guest->Read("agent", c.agent));
    TRY(guest->Read("cache", c.guest_cache));
  }
  ASSIGN_OR_RETURN(auto vm, root.Table("vm"));
  if (vm) {
    TRY(vm->RejectUnknown({"memory_mib", "vcpus", "accel", "tee", "firmware"}));
    TRY(vm->ReadInt("memory_mib", 128, 1 << 20, c.memory_mib));
    TRY(vm->ReadInt("vcpus", 1, 256, c.vcpus));
    std::string accel(runtime::AccelName(c.accel)), tee(runtime::TeeName(c.tee));
    TRY(vm->Read("accel", accel));
    TRY(vm->Read("tee", tee));
    auto a = runtime::ParseAccel(accel);
    if (!a) return vm->ErrorAt(Code::kInvalidArgument, "accel", a.error().message());
    auto t = runtime::ParseTee(tee);
    if (!t) return vm->ErrorAt(Code::kInvalidArgument, "tee", t.error().message());
    c.accel = *a;
    c.tee = *t;
    TRY(vm->Read("firmware", c.firmware));
  }
  ASSIGN_OR_RETURN(auto pod, root.Table("pod"));
  if (pod) {
    TRY(pod->RejectUnknown(
        {"initdata", "registry_auth", "agent_timeout_seconds", "create_timeout_seconds"}));
    TRY(pod->Read("initdata", c.initdata));
    TRY(pod->Read("registry_auth", c.registry_auth));
    int64_t agent_s = c.agent_timeout.count(), create_s = c.create_timeout.count();
    TRY(pod->ReadInt("agent_timeout_seconds", 1, 3600, agent_s));
    TRY(pod->ReadInt("create_timeout_seconds", 1, 24 * 3600, create_s));
    c.agent_timeout = std::chrono::seconds(agent_s);
    c.create_timeout = std::chrono::seconds(create_s);
  }
  ASSIGN_OR_RETURN(auto shim, root.Table("shim"));
  if (shim) {
    TRY(shim->RejectUnknown({"socket_dir"}));
    TRY(shim->Read("socket_dir", c.socket_dir));
    if (c.socket_dir.empty() || c.socket_dir[0] != '/') {
      return shim->ErrorAt(Code::kInvalidArgument, "socket_dir", "must be an absolute path");
    }
    // A unix socket path holds at most 107 bytes; the socket name takes 65 of them.
    if (c.socket_dir.size() > 40) {
      return shim->ErrorAt(Code::kInvalidArgument, "socket_dir", "is longer than 40 bytes");
    }
  }
  return c;
}

Result<ShimConfig> LoadShimConfig(const std::string& path) {
  std::string p = path;
  if (p.empty()) {
    struct stat st {};
    if (::stat(std::string(kDefaultShimConfigPath).c_str(), &st) != 0) return ShimConfig{};
    p = kDefaultShimConfigPath;
  }
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(p, "shim config", 1 << 20));
  return ParseShimConfig(text, p);
}

}  // namespace cocoon::shim
