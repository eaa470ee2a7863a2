// cocoon-kbs as a process runs it: the KBS service behind one HTTP(S) listener per configured
// socket, sessions swept every minute, until a signal or Stop. Trusts its configuration.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/error.h"
#include "kbs/config.h"
#include "net/http_server.h"
#include "tee/tee.h"

namespace cocoon::kbs {

class KbsService;

// "ip:port" (IPv6 as "[::1]:8080") → address and port. InvalidArgument without a colon or with
// a port outside 0..65535.
Result<std::pair<std::string, uint16_t>> SplitSocket(const std::string& socket);

// The listener options [http_server] gives for one socket (threads: worker_count, else one per
// CPU; TLS unless insecure_http).
net::HttpServerOptions ListenerOptions(const KbsConfig& config, std::string address, uint16_t port);

class KbsServer {
 public:
  // Builds the service (KbsService::Create, with the built-in stores) and listens on every
  // socket of [http_server], printing "cocoon-kbs listening on http[s]://ADDR:PORT" on stdout
  // for each (scripts and `cocoon demo` wait for it). Errors carry the code of the failure and,
  // as message, the line cocoon-kbs logs (docs/troubleshooting.md): "cannot start cocoon-kbs:
  // …" for the service, the socket's InvalidArgument, "cannot listen on SOCKET: …".
  static Result<std::unique_ptr<KbsServer>> Start(const KbsConfig& config,
                                                  const tee::VerifierRegistry* verifiers);
  ~KbsServer();  // Stop()
  KbsServer(const KbsServer&) = delete;
  KbsServer& operator=(const KbsServer&) = delete;

  // The bound ports, one per socket in config order.
  std::vector<uint16_t> ports() const;
  // Blocks until Stop() or (handle_signals) SIGINT/SIGTERM; then call Stop() (or destroy the
  // server) to stop every listener and the sweeper.
  void Wait(bool handle_signals = true);
  // Stops the listeners (in-flight requests finish) and the session sweeper. Idempotent.
  void Stop();

 private:
  KbsServer() = default;
  void Sweep();

  std::unique_ptr<KbsService> service_;
  std::vector<std::unique_ptr<net::HttpServer>> servers_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread sweeper_;
};

}  // namespace cocoon::kbs
