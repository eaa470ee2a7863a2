// Session registry and in-flight request accounting for graceful shutdown.
#include "net/internal/server_state.h"

#include <vector>

namespace cocoon::net::internal {

void ServerState::Register(SessionBase* key, std::weak_ptr<SessionBase> session) {
  std::lock_guard lock(mu_);
  sessions_.emplace(key, std::move(session));
}

void ServerState::Unregister(SessionBase* key) {
  std::lock_guard lock(mu_);
  sessions_.erase(key);
  if (sessions_.empty()) cv_.notify_all();
}

void ServerState::ShutdownSessions(bool force) {
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(mu_);
    live.reserve(sessions_.size());
    for (auto& [key, weak] : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  // Outside the lock: the last reference may drop here and the destructor unregisters.
  for (auto& session : live) session->Shutdown(force);
}

bool ServerState::WaitNoSessions(Clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return cv_.wait_until(lock, deadline, [&] { return sessions_.empty(); });
}

void ServerState::EndRequest() {
  if (in_flight_.fetch_sub(1, std::memory_order_acq_rel) == 1 && stopping.load()) {
    std::lock_guard lock(mu_);
    cv_.notify_all();
  }
}

bool ServerState::WaitRequestsDone(Clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return cv_.wait_until(lock, deadline, [&] { return in_flight_.load() == 0; });
}

}  // namespace cocoon::net::internal
