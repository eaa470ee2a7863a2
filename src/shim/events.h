// Publishes task events to containerd (runtime v2: TaskCreate, TaskStart, TaskExit, TaskDelete,
// TaskExecAdded, TaskExecStarted) by ttrpc Forward to $TTRPC_ADDRESS, the way containerd's own
// shims do. Events are queued and sent in order by one thread; a failed send is retried with a
// growing delay (5 attempts, 5 s per call), then dropped with a log line. Publishing never
// blocks the caller.
#pragma once

#include <google/protobuf/message.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <chrono>
#include <thread>

namespace cocoon::shim {

class EventPublisher {
 public:
  // `ttrpc_address`: containerd's ttrpc socket (a path, or "unix://" + path); empty: events
  // are logged and not sent. `ns`: the namespace every envelope names.
  EventPublisher(std::string ttrpc_address, std::string ns);
  ~EventPublisher();  // sends what is queued (bounded by the retry budget), then stops

  // `topic` as in containerd's runtime/events.go ("/tasks/exit"); `event` is packed as
  // google.protobuf.Any with the bare message name as type_url.
  void Publish(const std::string& topic, const google::protobuf::Message& event);

  // Blocks until everything published so far was sent or dropped (for tests and shutdown), or
  // `limit` has passed; false when events were still queued at the limit.
  bool Flush(std::chrono::milliseconds limit = std::chrono::milliseconds::max());

 private:
  struct Item {
    std::string envelope;  // serialized ForwardRequest
    std::string topic;
  };
  void Loop();
  bool Send(const Item& item);

  std::string address_;
  std::string ns_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  bool busy_ = false;
  std::thread thread_;
};

}  // namespace cocoon::shim
