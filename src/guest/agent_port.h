// The agent's side of its virtio-serial port (podproto::kAgentPortName): the host connects
// through QEMU's socket, speaks ttrpc, disconnects, and may connect again. The bytes are the
// host's (untrusted); the server parses them.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "base/error.h"
#include "net/ttrpc_server.h"

namespace cocoon::guest {

// Opens `device` and waits up to `timeout` for the host's first bytes: without a host
// connection a virtio-serial port reads EOF at once, so only waiting data means a host. Returns
// the fd (the caller owns it). Unavailable when the device cannot be opened or nothing arrived.
Result<int> OpenWhenHostWrites(const std::string& device, std::chrono::milliseconds timeout);

// Serves `server` on the virtio-serial port `name`, one host connection after another, for as
// long as the guest runs (PID 1 never returns from here). Waiting for the port and failed
// connections are reported to `log`.
[[noreturn]] void ServeVirtioPort(net::ttrpc::Server& server, const std::string& name,
                                  const std::function<void(const std::string&)>& log);

}  // namespace cocoon::guest
