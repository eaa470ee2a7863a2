// ttrpc client (see ttrpc_client.h). Response frames are untrusted.
#include "net/ttrpc_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ttrpc.pb.h"

namespace cocoon::net::ttrpc {

using Clock = std::chrono::steady_clock;

Client::~Client() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<Client>> Client::DialUnix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return InvalidArgument("socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return Unavailable("cannot connect to " + path + ": " + err);
  }
  return std::make_unique<Client>(fd);
}

Status Client::ReadSome(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  pollfd p{fd_, POLLIN, 0};
  int rc = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
  if (rc < 0 && errno != EINTR) return Unavailable(std::string("poll: ") + std::strerror(errno));
  if (rc <= 0) return Ok();  // timeout or EINTR: the caller checks its deadline
  char buf[64 * 1024];
  ssize_t n = ::read(fd_, buf, sizeof(buf));
  if (n < 0 && errno == EINTR) return Ok();
  if (n < 0) return Unavailable(std::string("ttrpc read failed: ") + std::strerror(errno));
  if (n == 0) return Unavailable("ttrpc connection closed by the server");
  std::lock_guard lock(mu_);
  decoder_.Feed(AsBytes(std::string_view(buf, static_cast<size_t>(n))));
  while (true) {
    ASSIGN_OR_RETURN(std::optional<Frame> frame, decoder_.Next());
    if (!frame) break;
    auto it = pending_.find(frame->stream_id);
    // Frames for streams nobody waits on (late answers after a timeout) are dropped.
    if (frame->type == kTypeResponse && it != pending_.end()) it->second = std::move(*frame);
  }
  return Ok();
}

Result<std::string> Client::Call(std::string_view service, std::string_view method,
                                 std::string_view request, std::chrono::milliseconds timeout) {
  ::ttrpc::Request req;
  req.set_service(std::string(service));
  req.set_method(std::string(method));
  req.set_payload(std::string(request));
  req.set_timeout_nano(std::chrono::nanoseconds(timeout).count());
  std::string data = req.SerializeAsString();
  if (data.size() > limits::kTtrpcMaxFrameBytes) {
    return ResourceExhausted("ttrpc request for " + std::string(method) + " exceeds frame limit");
  }
  auto deadline = Clock::now() + timeout;
  std::unique_lock lock(mu_);
  if (broken_) return std::unexpected(*broken_);
  uint32_t id = next_stream_;
  next_stream_ += 2;
  pending_[id];
  if (auto st = WriteAll(fd_, EncodeFrame(id, kTypeRequest, 0, data)); !st) {
    pending_.erase(id);
    return std::unexpected(st.error());
  }
  while (!pending_[id] && !broken_ && Clock::now() < deadline) {
    if (reading_) {
      cv_.wait_until(lock, deadline);
      continue;
    }
    reading_ = true;
    lock.unlock();
    Status st = ReadSome(deadline);
    lock.lock();
    reading_ = false;
    if (!st) broken_ = st.error();
    cv_.notify_all();
  }
  std::optional<Frame> frame = std::move(pending_[id]);
  pending_.erase(id);
  if (!frame) {
    if (broken_) return std::unexpected(*broken_);
    return DeadlineExceeded(std::string(service) + "/" + std::string(method) + " timed out");
  }
  lock.unlock();
  ::ttrpc::Response resp;
  if (!resp.ParseFromString(frame->data)) {
    return InvalidArgument("malformed ttrpc response for " + std::string(method));
  }
  if (resp.status().code() != kGrpcOk) {
    return MakeError(FromGrpcCode(resp.status().code()), resp.status().message());
  }
  return std::move(*resp.mutable_payload());
}

}  // namespace cocoon::net::ttrpc
