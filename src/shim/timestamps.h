// google.protobuf.Timestamp values as containerd's Go side expects them.
#pragma once

#include <google/protobuf/timestamp.pb.h>

namespace cocoon::shim {

// The current wall-clock time.
google::protobuf::Timestamp NowTimestamp();

// Go's zero time.Time (0001-01-01T00:00:00Z), which containerd sends for "not exited yet".
google::protobuf::Timestamp ZeroGoTime();

}  // namespace cocoon::shim
