// This host's loopback, for the tools cocoon starts beside itself (a registry for the demo, swtpm
// for a vTPM's AK): a free TCP port, and whether something accepts on one.
#pragma once

#include <cstdint>

#include "base/error.h"

namespace cocoon::net {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close). Another
// process may take it before the caller does: callers retry or fail with the port named.
// Internal when no socket can be bound.
Result<uint16_t> FreeLoopbackPort();

// True if a TCP connection to 127.0.0.1:port is accepted now.
bool LoopbackPortAccepts(uint16_t port);

}  // namespace cocoon::net
