// containerd.services.snapshots.v1.Snapshots over gRPC on a unix socket, backed by the
// guest-pull Store: what containerd reaches through `[proxy_plugins.cocoon] type = "snapshot"`.
#pragma once

#include <memory>
#include <string>

#include "base/error.h"
#include "snapshotter/store.h"

namespace cocoon::snapshotter {

class Server {
 public:
  // Serves `store` on the unix socket `path` (replacing a stale one, mode 0600). Unavailable if
  // it cannot listen.
  static Result<std::unique_ptr<Server>> Start(Store& store, const std::string& path);
  ~Server();        // Shutdown()
  void Wait();      // until Shutdown
  void Shutdown();  // in-flight calls finish, then the listener closes

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cocoon::snapshotter
