// The virtio-serial port loop (see agent_port.h).
#include "guest/agent_port.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <thread>

#include "guest/pid1.h"

namespace cocoon::guest {

Result<int> OpenWhenHostWrites(const std::string& device, std::chrono::milliseconds timeout) {
  int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Unavailable("cannot open " + device);
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0 || !(p.revents & POLLIN)) {
    ::close(fd);
    return Unavailable("no host on " + device);
  }
  return fd;
}

void ServeVirtioPort(net::ttrpc::Server& server, const std::string& name,
                     const std::function<void(const std::string&)>& log) {
  while (true) {
    auto dev = pid1::FindVirtioPort(name);
    if (!dev) {
      log(dev.error().ToString() + "; retrying");
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    auto fd = OpenWhenHostWrites(*dev, std::chrono::milliseconds(1000));
    if (!fd) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (auto st = server.ServeConnection(*fd); !st) log("connection: " + st.error().ToString());
  }
}

}  // namespace cocoon::guest
