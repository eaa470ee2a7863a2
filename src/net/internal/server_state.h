// State shared by the HTTP server and its sessions: options, handler, TLS context, the set of
// live sessions (for shutdown) and the count of in-flight requests (for graceful stop).
#pragma once

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "net/http_server.h"

namespace cocoon::net::internal {

// What the server needs from a session, independent of its stream type.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection now if `force` or if no request is in progress; otherwise the
  // session closes itself after the current response. Thread-safe.
  virtual void Shutdown(bool force) = 0;
};

class ServerState {
 public:
  using Clock = std::chrono::steady_clock;

  ServerState(HttpServerOptions options, HttpHandler handler)
      : options(std::move(options)), handler(std::move(handler)) {}

  const HttpServerOptions options;
  const HttpHandler handler;
  std::optional<boost::asio::ssl::context> ssl;  // set before the first accept
  std::atomic<bool> stopping{false};

  // Counts a new connection from `client` (ClientKey) against the connection caps; false if
  // either is reached. Every admitted connection is released by Unregister of its session.
  bool Admit(const std::string& client);
  // Called once per connection (not per request), after Admit(client) succeeded.
  void Register(SessionBase* key, std::weak_ptr<SessionBase> session, std::string client);
  void Unregister(SessionBase* key);
  void ShutdownSessions(bool force);
  // Returns false if `deadline` passed first.
  bool WaitNoSessions(Clock::time_point deadline);

  void BeginRequest() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void EndRequest();
  bool WaitRequestsDone(Clock::time_point deadline);

 private:
  struct Live {
    std::weak_ptr<SessionBase> session;
    std::string client;
  };
  void Release(const std::string& client);  // mu_ held

  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<SessionBase*, Live> sessions_;
  std::unordered_map<std::string, size_t> per_client_;  // admitted connections per ClientKey
  size_t connections_ = 0;                              // admitted connections in total
  std::atomic<int> in_flight_{0};
};

// The address a per-client cap counts: the IPv4 address, or the /64 of an IPv6 address (one
// host usually owns a whole /64, so counting single v6 addresses would not cap it).
std::string ClientKey(const boost::asio::ip::address& address);

}  // namespace cocoon::net::internal
