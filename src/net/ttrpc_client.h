// ttrpc client: unary calls over one connected fd with odd, increasing stream ids. Several
// threads may call at once: responses are matched to callers by stream id (one caller reads
// the connection at a time and hands frames to the others). Responses are untrusted.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "net/ttrpc.h"

namespace cocoon::net::ttrpc {

class Client {
 public:
  explicit Client(int fd) : fd_(fd) {}  // takes ownership
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Unavailable if nothing listens at `path`.
  static Result<std::unique_ptr<Client>> DialUnix(const std::string& path);

  // Sends Request{service, method, request, timeout_nano} and waits for its Response.
  // Returns the response payload, or the Response's status as an Error (gRPC code mapped to
  // cocoon's); DeadlineExceeded after `timeout`; Unavailable when the connection is closed or
  // broken; InvalidArgument for a malformed Response; ResourceExhausted past the frame limit.
  Result<std::string> Call(std::string_view service, std::string_view method,
                           std::string_view request, std::chrono::milliseconds timeout);

  template <typename Resp, typename Req>
  Result<Resp> CallTyped(std::string_view service, std::string_view method, const Req& request,
                         std::chrono::milliseconds timeout) {
    ASSIGN_OR_RETURN(std::string payload,
                     Call(service, method, request.SerializeAsString(), timeout));
    Resp resp;
    if (!resp.ParseFromString(payload)) {
      return InvalidArgument("malformed " + resp.GetTypeName() + " from " + std::string(method));
    }
    return resp;
  }

 private:
  // Reads once (up to the deadline) and files complete frames; called with mu_ released.
  Status ReadSome(std::chrono::steady_clock::time_point deadline);

  int fd_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint32_t next_stream_ = 1;
  bool reading_ = false;
  std::optional<Error> broken_;
  FrameDecoder decoder_;
  // Stream id → its response frame once it arrived (nullopt while waiting).
  std::map<uint32_t, std::optional<Frame>> pending_;
};

}  // namespace cocoon::net::ttrpc
