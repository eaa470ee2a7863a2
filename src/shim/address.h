// Where a pod's shim listens. containerd 1.6's convention (runtime/v2/shim/util_unix.go
// SocketAddress): unix://<socket dir>/<hex sha256 of filepath.Join(containerd address,
// namespace, group)>, one socket per pod, so every task of a pod reaches the same daemon.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace cocoon::shim {

// Go's filepath.Clean for absolute and relative slash paths.
std::string CleanPath(std::string_view path);

// "unix://<socket_dir>/<64 hex>" for the pod `group` of namespace `ns` under containerd's
// `address`.
std::string SocketAddress(std::string_view socket_dir, std::string_view containerd_address,
                          std::string_view ns, std::string_view group);

// The filesystem path of a "unix://…" address (the address itself when it has no scheme).
std::string SocketPath(std::string_view address);

// True when something accepts connections at the unix socket `path`.
bool SocketAccepts(const std::string& path);

// Binds and listens on the unix socket `path` (mode 0600, parent directories created; a stale
// socket nobody listens on is replaced). Returns the listening fd. FailedPrecondition when a
// live shim already listens there; Unavailable when it cannot be bound.
Result<int> ListenSocket(const std::string& path);

}  // namespace cocoon::shim
