// EventPublisher (see events.h).
#include "shim/events.h"

#include <google/protobuf/any.pb.h>

#include <chrono>

#include "base/logging.h"
#include "containerd/ttrpc_events.pb.h"
#include "net/ttrpc_client.h"
#include "shim/timestamps.h"

namespace cocoon::shim {
namespace {

constexpr std::string_view kEventsService = "containerd.services.events.ttrpc.v1.Events";
constexpr int kAttempts = 5;
constexpr std::chrono::milliseconds kCallTimeout{5000};

}  // namespace

EventPublisher::EventPublisher(std::string ttrpc_address, std::string ns)
    : address_(std::move(ttrpc_address)), ns_(std::move(ns)) {
  if (address_.starts_with("unix://")) address_.erase(0, 7);
  thread_ = std::thread([this] { Loop(); });
}

EventPublisher::~EventPublisher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EventPublisher::Publish(const std::string& topic, const google::protobuf::Message& event) {
  containerd::services::events::ttrpc::v1::ForwardRequest req;
  auto* env = req.mutable_envelope();
  *env->mutable_timestamp() = NowTimestamp();
  env->set_namespace_(ns_);
  env->set_topic(topic);
  env->mutable_event()->set_type_url(event.GetTypeName());
  env->mutable_event()->set_value(event.SerializeAsString());
  {
    std::lock_guard lock(mu_);
    queue_.push_back({req.SerializeAsString(), topic});
  }
  cv_.notify_all();
}

bool EventPublisher::Flush(std::chrono::milliseconds limit) {
  std::unique_lock lock(mu_);
  auto drained = [this] { return queue_.empty() && !busy_; };
  if (limit == std::chrono::milliseconds::max()) {
    cv_.wait(lock, drained);
    return true;
  }
  return cv_.wait_for(lock, limit, drained);
}

bool EventPublisher::Send(const Item& item) {
  if (address_.empty()) {
    LOG_INFO("event {} not sent: no TTRPC_ADDRESS", item.topic);
    return true;
  }
  auto delay = std::chrono::milliseconds(100);
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    auto client = net::ttrpc::Client::DialUnix(address_);
    if (client) {
      auto r = (*client)->Call(kEventsService, "Forward", item.envelope, kCallTimeout);
      if (r) return true;
      LOG_WARN("forwarding event {} (attempt {}): {}", item.topic, attempt, r.error().message());
    } else {
      LOG_WARN("forwarding event {} (attempt {}): {}", item.topic, attempt,
               client.error().message());
    }
    if (attempt < kAttempts) {
      std::this_thread::sleep_for(delay);
      delay *= 2;
    }
  }
  LOG_ERROR("event {} dropped after {} attempts", item.topic, kAttempts);
  return false;
}

void EventPublisher::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      if (stopping_) return;
      continue;
    }
    Item item = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Send(item);
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace cocoon::shim
