// One HTTP/1.1 connection (plain TCP or TLS): reads requests with size limits and timeouts,
// runs the handler, writes responses, keeps the connection alive. Peer bytes are untrusted.
// All members run on the connection's strand.
#pragma once

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "net/internal/message.h"
#include "net/internal/server_state.h"

namespace cocoon::net::internal {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using SteadyClock = std::chrono::steady_clock;
// A concrete strand executor instead of beast::tcp_stream's type-erased any_io_executor: the
// erasure costs an allocation-free but measurable ~5% per request.
using StrandExecutor = boost::asio::strand<boost::asio::io_context::executor_type>;
using TcpStream = beast::basic_stream<boost::asio::ip::tcp, StrandExecutor>;
using StrandSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, StrandExecutor>;

// Stream-independent parts of a session, compiled once (session.cc).
class SessionCore {
 protected:
  explicit SessionCore(std::shared_ptr<ServerState> state) : state_(std::move(state)) {}
  ~SessionCore();

  const HttpServerOptions& options() const { return state_->options; }
  void NewParser();
  void SetBusy(bool busy);
  // Maps a read error to the status to answer with, or 0 to close silently.
  static int StatusForReadError(beast::error_code ec);
  bool ExpectsContinue() const;
  // RFC 9112 6.3: a request whose transfer coding does not end in chunked has no knowable
  // length; Beast would read it as bodyless, letting the body smuggle in a second request.
  bool HasUnsupportedTransferEncoding() const;
  // Converts the parsed request, runs the handler and fills res_.
  void Handle();
  void PrepareError(int status);
  void LogAccess(size_t bytes) const;

  std::shared_ptr<ServerState> state_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  HttpRequest req_;
  BeastResponse res_;
  bool busy_ = false;
  SteadyClock::time_point start_;
};

template <class Stream>
class Session : public SessionBase,
                public SessionCore,
                public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, TcpStream>;

  template <class... Args>
  explicit Session(std::shared_ptr<ServerState> state, Args&&... stream_args)
      : SessionCore(std::move(state)), stream_(std::forward<Args>(stream_args)...) {}
  ~Session() override { state_->Unregister(this); }

  // `client` was admitted by ServerState::Admit; the session releases it when it ends.
  void Start(std::string remote, std::string client) {
    remote_ = std::move(remote);
    state_->Register(this, this->weak_from_this(), std::move(client));
    boost::asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->state_->stopping) return self->Close();
      self->Begin();
    });
  }

  void Shutdown(bool force) override {
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this(), force] {
      if (force || !self->busy_) self->Close();
    });
  }

 private:
  TcpStream& Tcp() { return beast::get_lowest_layer(stream_); }
  template <class F>
  auto Bind(F f) {
    return beast::bind_front_handler(f, this->shared_from_this());
  }

  void Begin() {
    if constexpr (kTls) {
      Tcp().expires_after(options().header_timeout);
      stream_.async_handshake(boost::asio::ssl::stream_base::server, Bind(&Session::OnHandshake));
    } else {
      ReadHeader();
    }
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) return Close();
    ReadHeader();
  }

  // Between keep-alive requests the idle timeout applies until the first byte arrives.
  void WaitForNext() {
    if (state_->stopping) return Close();
    if (buffer_.size() > 0) return ReadHeader();
    Tcp().expires_after(options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk), Bind(&Session::OnIdleRead));
  }

  void OnIdleRead(beast::error_code ec, size_t n) {
    if (ec) return Close();
    buffer_.commit(n);
    ReadHeader();
  }

  void ReadHeader() {
    NewParser();
    start_ = SteadyClock::now();
    Tcp().expires_after(options().header_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_, Bind(&Session::OnHeader));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    if (HasUnsupportedTransferEncoding()) {
      return OnReadError(bhttp::make_error_code(bhttp::error::bad_transfer_encoding));
    }
    start_ = SteadyClock::now();
    SetBusy(true);
    if (parser_->is_done()) return Dispatch();
    if (!ExpectsContinue()) return ReadBody();
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    boost::asio::async_write(stream_, boost::asio::buffer(kContinue),
                             Bind(&Session::OnContinueWritten));
  }

  void OnContinueWritten(beast::error_code ec, size_t) {
    if (ec) return Close();
    ReadBody();
  }

  void ReadBody() {
    Tcp().expires_after(options().read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, Bind(&Session::OnBody));
  }

  void OnBody(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    Dispatch();
  }

  void Dispatch() {
    Handle();
    Tcp().expires_after(options().read_timeout);
    bhttp::async_write(stream_, res_, Bind(&Session::OnWritten));
  }

  void OnWritten(beast::error_code ec, size_t) {
    LogAccess(res_.body().size());
    SetBusy(false);
    if (ec) return Close();
    if (!res_.keep_alive()) return CloseGracefully();
    WaitForNext();
  }

  void OnReadError(beast::error_code ec) {
    SetBusy(false);
    int status = StatusForReadError(ec);
    if (status == 0) return Close();
    PrepareError(status);
    Tcp().expires_after(options().read_timeout);
    bhttp::async_write(stream_, res_, Bind(&Session::OnErrorWritten));
  }

  void OnErrorWritten(beast::error_code ec, size_t) {
    LogAccess(res_.body().size());
    if (ec) return Close();
    // Half-close and drain what the peer is still sending, so that closing with unread
    // bytes does not reset the connection before the peer has read our error response.
    Tcp().socket().shutdown(boost::asio::socket_base::shutdown_send, ec);
    Tcp().expires_after(kDrainTimeout);
    Drain();
  }

  void Drain() {
    Tcp().async_read_some(boost::asio::buffer(drain_buf_), Bind(&Session::OnDrained));
  }

  void OnDrained(beast::error_code ec, size_t n) {
    drained_ += n;
    if (ec || drained_ > kDrainLimit) return Close();
    Drain();
  }

  void CloseGracefully() {
    if constexpr (kTls) {
      Tcp().expires_after(kDrainTimeout);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->Close(); });
    } else {
      beast::error_code ec;
      Tcp().socket().shutdown(boost::asio::socket_base::shutdown_send, ec);
      Close();
    }
  }

  void Close() { Tcp().close(); }

  static constexpr size_t kReadChunk = 8192;
  static constexpr size_t kDrainLimit = 1 << 20;
  static constexpr std::chrono::milliseconds kDrainTimeout{1000};

  Stream stream_;
  char drain_buf_[4096];
  size_t drained_ = 0;
};

using PlainSession = Session<TcpStream>;
using TlsSession = Session<beast::ssl_stream<TcpStream>>;

}  // namespace cocoon::net::internal
