// HttpServer: binds, accepts (plain or TLS) on an io_context run by worker threads, and shuts
// down gracefully. Per-connection logic is in internal/session.h.
#include "net/http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <thread>
#include <vector>

#include "base/logging.h"
#include "net/internal/message.h"
#include "net/internal/session.h"

namespace cocoon::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using internal::ServerState;

struct HttpServer::Impl {
  Impl(HttpServerOptions options, HttpHandler handler)
      : state(std::make_shared<ServerState>(std::move(options), std::move(handler))),
        ioc(std::max(1, state->options.threads)),
        acceptor(asio::make_strand(ioc)),
        retry_timer(acceptor.get_executor()) {}

  Status LoadTls();
  Status Bind();
  void Accept();
  void OnAccept(boost::system::error_code ec, internal::StrandSocket socket);
  void Refuse(internal::StrandSocket& socket, const std::string& client);
  void Shutdown(std::chrono::milliseconds grace);
  void Run();
  void WaitForSignal();

  std::shared_ptr<ServerState> state;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;  // backs off after accept errors such as EMFILE
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::atomic<uint64_t> refused{0};  // connections refused at a cap

  std::mutex stop_mu;  // held for the whole of Stop(), so a second caller waits for the first
  std::mutex mu;       // guards the fields below
  std::condition_variable cv;
  bool started = false;
  bool stopped = false;
  asio::io_context* wait_ioc = nullptr;  // Wait()'s signal loop, stopped by Stop()
};

Status HttpServer::Impl::LoadTls() {
  const auto& o = state->options;
  if (o.tls_cert_file.empty() && o.tls_key_file.empty()) return Ok();
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return InvalidArgument("http server: TLS needs both tls_cert_file and tls_key_file");
  }
  auto& ctx = state->ssl.emplace(asio::ssl::context::tls_server);
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec) return InvalidArgument("http server: cannot load TLS certificate " + o.tls_cert_file);
  ctx.use_private_key_file(o.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) return InvalidArgument("http server: cannot load TLS key " + o.tls_key_file);
  return Ok();
}

Status HttpServer::Impl::Bind() {
  const auto& o = state->options;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(o.address, ec);
  if (ec) return InvalidArgument("http server: bad listen address " + o.address);
  tcp::endpoint endpoint(address, o.port);
  std::string where = internal::FormatEndpoint(endpoint);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("http server: cannot listen on " + where + ": " + ec.message());
  port = acceptor.local_endpoint(ec).port();
  return Ok();
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](auto ec, internal::StrandSocket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void HttpServer::Impl::OnAccept(boost::system::error_code ec, internal::StrandSocket socket) {
  if (!acceptor.is_open() || ec == asio::error::operation_aborted) return;
  if (ec) {
    LOG_WARN("http server: accept failed: {}", ec.message());
    retry_timer.expires_after(std::chrono::milliseconds(50));
    retry_timer.async_wait([this](auto wait_ec) {
      if (!wait_ec) Accept();
    });
    return;
  }
  socket.set_option(tcp::no_delay(true), ec);
  auto remote_endpoint = socket.remote_endpoint(ec);
  std::string remote = ec ? "-" : internal::FormatEndpoint(remote_endpoint);
  std::string client = ec ? "-" : internal::ClientKey(remote_endpoint.address());
  if (!state->Admit(client)) {
    Refuse(socket, client);
  } else if (state->ssl) {
    std::make_shared<internal::TlsSession>(state, std::move(socket), *state->ssl)
        ->Start(std::move(remote), std::move(client));
  } else {
    std::make_shared<internal::PlainSession>(state, std::move(socket))
        ->Start(std::move(remote), std::move(client));
  }
  Accept();
}

// A connection past a cap costs one short write: plain HTTP gets a 503 (the socket's send
// buffer is empty, so the write does not block), TLS is closed. The log line is rate-limited to
// refusals 1, 2, 4, 8, … so a flood cannot fill the disk.
void HttpServer::Impl::Refuse(internal::StrandSocket& socket, const std::string& client) {
  uint64_t n = ++refused;
  if ((n & (n - 1)) == 0) {
    LOG_WARN(
        "http server: refused a connection from {}: connection cap reached ({} total, {} per "
        "client; {} refused so far)",
        client, state->options.max_connections, state->options.max_connections_per_ip, n);
  }
  boost::system::error_code ec;
  if (!state->ssl) {
    static constexpr std::string_view kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\n"
        "Content-Length: 33\r\n\r\ntoo many connections, retry later";
    socket.non_blocking(true, ec);
    socket.send(asio::buffer(kBusy.data(), kBusy.size()), 0, ec);
  }
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

// A worker thread. Nothing we post throws, but an escaping exception must not terminate.
void HttpServer::Impl::Run() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      LOG_ERROR("http server: worker caught: {}", e.what());
    }
  }
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  std::lock_guard stop_lock(impl_->stop_mu);
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->started) return FailedPrecondition("http server: already started");
  }
  TRY(impl_->LoadTls());
  TRY(impl_->Bind());
  impl_->work.emplace(impl_->ioc.get_executor());
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] { impl->Accept(); });
  int n = std::max(1, impl_->state->options.threads);
  for (int i = 0; i < n; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->Run(); });
  }
  std::lock_guard lock(impl_->mu);
  impl_->started = true;
  LOG_INFO("http server: listening on {}{} ({} threads)",
           impl_->state->ssl ? "https://" : "http://",
           internal::FormatEndpoint(impl_->acceptor.local_endpoint()), n);
  return Ok();
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Impl::Shutdown(std::chrono::milliseconds grace) {
  using Clock = ServerState::Clock;
  state->stopping = true;
  asio::post(acceptor.get_executor(), [this] {
    boost::system::error_code ec;
    acceptor.close(ec);
    retry_timer.cancel();
  });
  state->ShutdownSessions(/*force=*/false);  // idle keep-alive connections close now
  if (!state->WaitRequestsDone(Clock::now() + grace)) {
    LOG_WARN("http server: requests still running after {} ms grace", grace.count());
  }
  state->ShutdownSessions(/*force=*/true);
  work.reset();
  state->WaitNoSessions(Clock::now() + std::chrono::seconds(1));
  ioc.stop();
  for (auto& t : threads) t.join();
  threads.clear();
}

void HttpServer::Stop(std::chrono::milliseconds grace) {
  std::lock_guard stop_lock(impl_->stop_mu);
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->started || impl_->stopped) return;
    impl_->stopped = true;
    if (impl_->wait_ioc) impl_->wait_ioc->stop();
    impl_->cv.notify_all();
  }
  impl_->Shutdown(grace);
  LOG_INFO("http server: stopped");
}

// Runs a private io_context until SIGINT/SIGTERM arrives or Stop() stops it.
void HttpServer::Impl::WaitForSignal() {
  asio::io_context signal_ioc;
  asio::signal_set signals(signal_ioc, SIGINT, SIGTERM);
  signals.async_wait([](auto ec, int signal) {
    if (!ec) LOG_INFO("http server: signal {}, stopping", signal);
  });
  {
    std::lock_guard lock(mu);
    if (!started || stopped) return;
    wait_ioc = &signal_ioc;
  }
  signal_ioc.run();
  std::lock_guard lock(mu);
  wait_ioc = nullptr;
}

void HttpServer::Wait(bool handle_signals) {
  if (handle_signals) {
    impl_->WaitForSignal();
  } else {
    std::unique_lock lock(impl_->mu);
    impl_->cv.wait(lock, [&] { return !impl_->started || impl_->stopped; });
  }
  Stop();  // if another thread is stopping, this waits for it to finish
}

}  // namespace cocoon::net
