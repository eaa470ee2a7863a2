// The command line containerd gives a runtime v2 shim (containerd 1.6, runtime/v2/shim/util.go):
//   containerd-shim-cocoon-v2 -namespace NS -address SOCK -publish-binary BIN -id ID
//                             [-bundle DIR] [-debug] [-socket ADDR] [start|delete]
// Flags follow Go's flag package: one or two dashes, "-name value" or "-name=value", boolean
// flags without a value; the action word comes last. No action: serve as the shim daemon.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace cocoon::shim {

enum class Action { kServe, kStart, kDelete, kVersion };

struct ShimArgs {
  std::string ns;              // -namespace
  std::string address;         // -address: containerd's gRPC socket (a plain path)
  std::string publish_binary;  // -publish-binary
  std::string id;              // -id: the task id
  std::string bundle;          // -bundle (start and the daemon use their cwd)
  std::string socket;          // -socket: a listening address the daemon serves (else fd 3)
  bool debug = false;
  Action action = Action::kServe;
};

// InvalidArgument naming the flag: an unknown flag or action, a missing value, or (except for
// -v) a missing -namespace or -id.
Result<ShimArgs> ParseShimArgs(const std::vector<std::string>& argv);

// The argv the daemon is started with: the same flags, no action word.
std::vector<std::string> DaemonArgv(const std::string& self, const ShimArgs& args);

}  // namespace cocoon::shim
