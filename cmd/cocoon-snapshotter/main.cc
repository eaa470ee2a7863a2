// cocoon-snapshotter: containerd's proxy snapshotter for cocoon pods (guest pull). containerd's
// CRI pull then fetches only the manifest and config of an image on the host; the pod VM pulls,
// verifies and decrypts the layers itself. Configure containerd with
//   [proxy_plugins.cocoon]  type = "snapshot"  address = "<--address>"
// and the CRI plugin's `snapshotter = "cocoon"`, `disable_snapshot_annotations = false`
// (docs/kubernetes.md).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <thread>

#include "base/logging.h"
#include "snapshotter/service.h"
#include "snapshotter/store.h"

int main(int argc, char** argv) {
  CLI::App app{"cocoon-snapshotter: containerd proxy snapshotter for guest-pulled cocoon pods"};
  std::string root = "/var/lib/cocoon/snapshotter";
  std::string address = "/run/cocoon/snapshotter.sock";
  std::string log_level = "info";
  app.add_option("--root", root, "directory for the snapshots' metadata and directories")
      ->capture_default_str();
  app.add_option("--address", address, "unix socket containerd connects to")->capture_default_str();
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  cocoon::base::InitLogging(log_level);
  // SIGTERM/SIGINT: stop serving (in-flight calls finish), remove the socket, exit 0. Blocked
  // before any thread starts, so only the waiting thread takes them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto store = cocoon::snapshotter::Store::Open(root);
  if (!store) {
    std::fprintf(stderr, "cocoon-snapshotter: %s\n", store.error().message().c_str());
    return 1;
  }
  auto server = cocoon::snapshotter::Server::Start(**store, address);
  if (!server) {
    std::fprintf(stderr, "cocoon-snapshotter: %s\n", server.error().message().c_str());
    return 1;
  }
  std::thread([set, s = server->get()] {
    int sig = 0;
    sigwait(&set, &sig);
    LOG_INFO("signal {}: stopping", sig);
    s->Shutdown();
  }).detach();
  LOG_INFO("cocoon-snapshotter serving {} (root {})", address, root);
  (*server)->Wait();
  return 0;
}
