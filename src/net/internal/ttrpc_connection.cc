// Server-side ttrpc connection state (see ttrpc_connection.h).
#include "net/internal/ttrpc_connection.h"

#include <unistd.h>

#include "net/ttrpc.h"
#include "ttrpc.pb.h"

namespace cocoon::net::ttrpc::internal {

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

void Connection::Respond(uint32_t stream_id, int32_t code, const std::string& message,
                         const std::string& payload) {
  ::ttrpc::Response response;
  response.mutable_status()->set_code(code);
  response.mutable_status()->set_message(message);
  response.set_payload(payload);
  std::string frame = EncodeFrame(stream_id, kTypeResponse, 0, response.SerializeAsString());
  std::lock_guard lock(write_mu_);
  (void)WriteAll(fd_, frame);
}

void Connection::Respond(uint32_t stream_id, const Error& error) {
  Respond(stream_id, ToGrpcCode(error.code()), error.message(), {});
}

bool Connection::TryBegin(size_t max) {
  std::lock_guard lock(mu_);
  if (inflight_ >= max) return false;
  ++inflight_;
  return true;
}

void Connection::Finish() {
  std::lock_guard lock(mu_);
  if (--inflight_ == 0) idle_.notify_all();
}

void Connection::WaitIdle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return inflight_ == 0; });
}

}  // namespace cocoon::net::ttrpc::internal
