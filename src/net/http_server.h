// HTTP/1.1 server on Boost.Beast/Asio: keep-alive, optional TLS, body-size limit, header and
// read timeouts, graceful shutdown, access log. Handlers are synchronous and run on the
// server's worker threads; they must not block for long.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/error.h"
#include "base/limits.h"
#include "net/http.h"

namespace cocoon::net {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
  uint16_t port = 0;                  // 0 = pick a free port (see HttpServer::port())
  int threads = 2;
  size_t body_limit = limits::kDefaultHttpBodyBytes;  // 413 beyond this
  size_t header_limit = limits::kHttpHeaderBytes;     // 431 beyond this
  // Connect (or first byte of a keep-alive request) to end of header; TLS handshake too.
  std::chrono::milliseconds header_timeout{limits::kHttpHeaderTimeoutMs};
  // Reading the body, and writing the response.
  std::chrono::milliseconds read_timeout{limits::kHttpReadTimeoutMs};
  // Between keep-alive requests, until the next request's first byte.
  std::chrono::milliseconds idle_timeout{limits::kHttpIdleTimeoutMs};
  // TLS: both PEM paths set => HTTPS only.
  std::string tls_cert_file;
  std::string tls_key_file;
  bool access_log = true;  // one line per request at info level
  // Open connections in total and per client address (IPv6: per /64); 0 = no cap. A connection
  // past a cap is answered 503 and closed at once (TLS: closed), before any byte is read.
  size_t max_connections = limits::kHttpMaxConnections;
  size_t max_connections_per_ip = limits::kHttpMaxConnectionsPerIp;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();  // calls Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the worker threads. Unavailable if the address cannot be bound,
  // InvalidArgument if the TLS files cannot be loaded.
  Status Start();
  uint16_t port() const;
  // Stops accepting, lets in-flight requests finish (up to `grace`), closes connections and
  // joins the workers. Idempotent; must not be called from a handler (it joins its thread).
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // Blocks until Stop() is called or SIGTERM/SIGINT arrives (if `handle_signals`), then stops.
  void Wait(bool handle_signals = true);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cocoon::net
