// ttrpc server: reads frames from one connected fd (a unix socket, or the guest's virtio-serial
// port), dispatches each Request by service + method to a registered handler on its own thread
// and writes the Response on the same stream. Everything the peer sends is untrusted: bad frames
// and payloads get an error Response (gRPC codes), never a crash.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "base/error.h"

namespace cocoon::net::ttrpc {

// A handler gets the serialized request message and returns the serialized response message
// or an Error (sent as its gRPC status code and message).
using Handler = std::function<Result<std::string>(std::string_view payload)>;

class Server {
 public:
  // Registration happens before serving; handlers may run concurrently.
  void Register(std::string service, std::string method, Handler handler);

  // Typed registration: the payload is parsed as Req (INVALID_ARGUMENT naming the message when
  // it is not valid protobuf), fn's Resp is serialized.
  template <typename Req, typename Resp>
  void RegisterTyped(std::string service, std::string method,
                     std::function<Result<Resp>(const Req&)> fn) {
    Register(std::move(service), std::move(method),
             [fn = std::move(fn)](std::string_view payload) -> Result<std::string> {
               Req req;
               if (!req.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
                 return InvalidArgument("malformed " + req.GetTypeName());
               }
               ASSIGN_OR_RETURN(Resp resp, fn(req));
               return resp.SerializeAsString();
             });
  }

  // Serves one connection until EOF, a read error, or an oversized frame (answered with
  // RESOURCE_EXHAUSTED, then the connection is closed). Takes ownership of `fd`. Unknown
  // service/method → UNIMPLEMENTED; malformed Request, non-request frame type, even or
  // non-increasing stream id → INVALID_ARGUMENT; more than kTtrpcMaxInflight open calls →
  // RESOURCE_EXHAUSTED. Returns after every call of this connection has answered. Ok on EOF.
  Status ServeConnection(int fd);

  // Binds a unix socket at `path` (replacing a stale one) and serves each accepted connection
  // on its own thread until Stop(). Unavailable if the socket cannot be bound.
  Status ListenUnix(const std::string& path);
  // Serves on `fd`, a socket already listening (a containerd shim gets its listener as fd 3).
  // Takes ownership. InvalidArgument when `fd` is not a listening socket.
  Status AdoptListener(int fd);
  Status AcceptLoop();
  void Stop();
  // Waits until every call being handled has sent its response (or `timeout` passed); false on
  // timeout. A process that exits on a Shutdown call uses it so that the answers to calls that
  // raced with it (a Kill whose VM just stopped) still reach the client.
  bool WaitForCalls(std::chrono::milliseconds timeout);

 private:
  using Key = std::pair<std::string, std::string>;
  std::map<Key, Handler, std::less<>> handlers_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex calls_mu_;
  std::condition_variable calls_cv_;
  int calls_ = 0;  // handlers running (RunCall threads)
};

}  // namespace cocoon::net::ttrpc
