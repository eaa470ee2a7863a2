// Session registry and in-flight request accounting for graceful shutdown.
#include "net/internal/server_state.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <vector>

namespace cocoon::net::internal {

bool ServerState::Admit(const std::string& client) {
  std::lock_guard lock(mu_);
  if (options.max_connections != 0 && connections_ >= options.max_connections) return false;
  size_t& mine = per_client_[client];
  if (options.max_connections_per_ip != 0 && mine >= options.max_connections_per_ip) {
    if (mine == 0) per_client_.erase(client);
    return false;
  }
  ++mine;
  ++connections_;
  return true;
}

void ServerState::Release(const std::string& client) {
  auto it = per_client_.find(client);
  if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
  --connections_;
}

void ServerState::Register(SessionBase* key, std::weak_ptr<SessionBase> session,
                           std::string client) {
  std::lock_guard lock(mu_);
  sessions_.emplace(key, Live{std::move(session), std::move(client)});
}

void ServerState::Unregister(SessionBase* key) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return;
  Release(it->second.client);
  sessions_.erase(it);
  if (sessions_.empty()) cv_.notify_all();
}

void ServerState::ShutdownSessions(bool force) {
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(mu_);
    live.reserve(sessions_.size());
    for (auto& [key, entry] : sessions_) {
      if (auto session = entry.session.lock()) live.push_back(std::move(session));
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

std::string ClientKey(const boost::asio::ip::address& address) {
  if (address.is_v4()) return address.to_string();
  auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  }
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace cocoon::net::internal
