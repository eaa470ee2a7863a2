// ParseShimArgs (see args.h).
#include "shim/args.h"

#include <string_view>

namespace cocoon::shim {

Result<ShimArgs> ParseShimArgs(const std::vector<std::string>& argv) {
  ShimArgs out;
  bool have_action = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string_view a = argv[i];
    if (a.empty() || a[0] != '-') {
      if (have_action) return InvalidArgument("unexpected argument '" + std::string(a) + "'");
      if (a == "start") {
        out.action = Action::kStart;
      } else if (a == "delete") {
        out.action = Action::kDelete;
      } else {
        return InvalidArgument("unknown action '" + std::string(a) +
                               "' (the shim knows start and delete)");
      }
      have_action = true;
      continue;
    }
    a.remove_prefix(a.starts_with("--") ? 2 : 1);
    std::string name(a), value;
    bool inline_value = false;
    if (auto eq = a.find('='); eq != std::string_view::npos) {
      name = std::string(a.substr(0, eq));
      value = std::string(a.substr(eq + 1));
      inline_value = true;
    }
    if (name == "debug" || name == "v") {
      bool on = !inline_value || value == "true" || value == "1";
      if (inline_value && !on && value != "false" && value != "0") {
        return InvalidArgument("-" + name + " takes true or false, not '" + value + "'");
      }
      if (name == "debug") out.debug = on;
      if (name == "v" && on) out.action = Action::kVersion;
      continue;
    }
    std::string* target = nullptr;
    if (name == "namespace") target = &out.ns;
    if (name == "address") target = &out.address;
    if (name == "publish-binary") target = &out.publish_binary;
    if (name == "id") target = &out.id;
    if (name == "bundle") target = &out.bundle;
    if (name == "socket") target = &out.socket;
    if (target == nullptr) return InvalidArgument("unknown flag -" + name);
    if (!inline_value) {
      if (i + 1 >= argv.size()) return InvalidArgument("flag -" + name + " needs a value");
      value = argv[++i];
    }
    *target = value;
  }
  if (out.action == Action::kVersion) return out;
  if (out.ns.empty()) return InvalidArgument("-namespace is required");
  if (out.id.empty()) return InvalidArgument("-id is required");
  return out;
}

std::vector<std::string> DaemonArgv(const std::string& self, const ShimArgs& a) {
  std::vector<std::string> argv = {
      self,  "-namespace", a.ns, "-address", a.address, "-publish-binary", a.publish_binary,
      "-id", a.id};
  if (a.debug) argv.push_back("-debug");
  return argv;
}

}  // namespace cocoon::shim
