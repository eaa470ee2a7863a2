// One server-side ttrpc connection: the fd, a write lock, and the count of calls in flight.
// Private to net's ttrpc server.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "base/error.h"

namespace cocoon::net::ttrpc::internal {

class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}
  ~Connection();
  int fd() const { return fd_; }

  // Writes a Response frame with `status` (code 0 = OK) and `payload` on `stream_id`.
  // Serialized across threads; errors are dropped (the reader sees the broken connection).
  void Respond(uint32_t stream_id, int32_t code, const std::string& message,
               const std::string& payload);
  void Respond(uint32_t stream_id, const Error& error);

  // Admits a call if fewer than `max` are open; Finish() releases it.
  bool TryBegin(size_t max);
  void Finish();
  void WaitIdle();

 private:
  int fd_;
  std::mutex write_mu_;
  std::mutex mu_;
  std::condition_variable idle_;
  size_t inflight_ = 0;
};

}  // namespace cocoon::net::ttrpc::internal
