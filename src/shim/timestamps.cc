// Timestamps (see timestamps.h).
#include "shim/timestamps.h"

#include <chrono>

namespace cocoon::shim {

google::protobuf::Timestamp NowTimestamp() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto s = std::chrono::duration_cast<std::chrono::seconds>(now);
  google::protobuf::Timestamp t;
  t.set_seconds(s.count());
  t.set_nanos(
      static_cast<int32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - s).count()));
  return t;
}

google::protobuf::Timestamp ZeroGoTime() {
  google::protobuf::Timestamp t;
  t.set_seconds(-62135596800);
  return t;
}

}  // namespace cocoon::shim
