// ttrpc server (see ttrpc_server.h). Frames and Request messages from the peer are untrusted.
#include "net/ttrpc_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>

#include "base/limits.h"
#include "base/logging.h"
#include "net/internal/ttrpc_connection.h"
#include "net/ttrpc.h"
#include "ttrpc.pb.h"

namespace cocoon::net::ttrpc {
namespace {

using internal::Connection;

struct StreamState {
  uint32_t last_stream = 0;
};

// Checks one frame and, if it is a well-formed request for a known method, returns its handler
// and the decoded Request; otherwise answers the error itself and returns null.
const Handler* Admit(const std::map<std::pair<std::string, std::string>, Handler, std::less<>>& h,
                     Connection& conn, StreamState& state, const Frame& frame,
                     ::ttrpc::Request* request) {
  if (frame.stream_id % 2 == 0 || frame.stream_id <= state.last_stream) {
    conn.Respond(
        frame.stream_id, kGrpcInvalidArgument,
        "ttrpc stream id " + std::to_string(frame.stream_id) + " must be odd and increasing", {});
    return nullptr;
  }
  state.last_stream = frame.stream_id;
  if (frame.type != kTypeRequest) {
    conn.Respond(frame.stream_id, kGrpcInvalidArgument,
                 "ttrpc frame type " + std::to_string(frame.type) + " is not a request", {});
    return nullptr;
  }
  if (!request->ParseFromString(frame.data)) {
    conn.Respond(frame.stream_id, kGrpcInvalidArgument, "malformed ttrpc request", {});
    return nullptr;
  }
  auto it = h.find(std::make_pair(request->service(), request->method()));
  if (it == h.end()) {
    conn.Respond(frame.stream_id, kGrpcUnimplemented,
                 request->service() + "/" + request->method() + " is not implemented", {});
    return nullptr;
  }
  if (!conn.TryBegin(limits::kTtrpcMaxInflight)) {
    conn.Respond(frame.stream_id, kGrpcResourceExhausted, "too many ttrpc calls in flight", {});
    return nullptr;
  }
  return &it->second;
}

void RunCall(std::shared_ptr<Connection> conn, const Handler* handler, uint32_t stream_id,
             std::string payload) {
  Result<std::string> r = (*handler)(payload);
  if (r) {
    conn->Respond(stream_id, kGrpcOk, {}, *r);
  } else {
    conn->Respond(stream_id, r.error());
  }
  conn->Finish();
}

}  // namespace

void Server::Register(std::string service, std::string method, Handler handler) {
  handlers_[std::make_pair(std::move(service), std::move(method))] = std::move(handler);
}

Status Server::ServeConnection(int fd) {
  auto conn = std::make_shared<Connection>(fd);
  FrameDecoder decoder;
  StreamState state;
  std::string chunk(64 * 1024, '\0');
  Status result = Ok();
  for (bool open = true; open;) {
    ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      result = Unavailable(std::string("ttrpc read failed: ") + std::strerror(errno));
      break;
    }
    if (n == 0) break;
    decoder.Feed(AsBytes(std::string_view(chunk.data(), static_cast<size_t>(n))));
    while (true) {
      auto frame = decoder.Next();
      if (!frame) {  // oversized: answer, then hang up
        conn->Respond(decoder.oversized_stream().value_or(0), frame.error());
        open = false;
        result = std::unexpected(frame.error());
        break;
      }
      if (!*frame) break;
      ::ttrpc::Request request;
      const Handler* handler = Admit(handlers_, *conn, state, **frame, &request);
      if (handler == nullptr) continue;
      {
        std::lock_guard lock(calls_mu_);
        ++calls_;
      }
      std::thread([this, conn, handler, id = (*frame)->stream_id,
                   payload = std::move(*request.mutable_payload())]() mutable {
        RunCall(conn, handler, id, std::move(payload));
        std::lock_guard lock(calls_mu_);
        if (--calls_ == 0) calls_cv_.notify_all();
      }).detach();
    }
  }
  conn->WaitIdle();
  return result;
}

Status Server::ListenUnix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return InvalidArgument("socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable(std::string("socket: ") + std::strerror(errno));
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 16) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return Unavailable("cannot listen on " + path + ": " + err);
  }
  listen_fd_ = fd;
  return Ok();
}

Status Server::AdoptListener(int fd) {
  int listening = 0;
  socklen_t len = sizeof listening;
  if (fd < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) {
    return InvalidArgument("fd " + std::to_string(fd) + " is not a listening socket");
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  listen_fd_ = fd;
  return Ok();
}

Status Server::AcceptLoop() {
  if (listen_fd_ < 0) return FailedPrecondition("ttrpc server is not listening");
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (stopping_) break;
      return Unavailable(std::string("accept: ") + std::strerror(errno));
    }
    std::thread([this, fd] {
      // A connection that ends on an error (not the peer hanging up) is worth a line: EBADF here
      // would mean someone else closed the connection's fd.
      if (auto st = ServeConnection(fd); !st) {
        LOG_WARN("ttrpc connection ended: {}", st.error().message());
      }
    }).detach();
  }
  return Ok();
}

bool Server::WaitForCalls(std::chrono::milliseconds timeout) {
  std::unique_lock lock(calls_mu_);
  return calls_cv_.wait_for(lock, timeout, [this] { return calls_ == 0; });
}

void Server::Stop() {
  stopping_ = true;
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
}

}  // namespace cocoon::net::ttrpc
