// QEMU TCG boot to the agent channel: time from Hypervisor::Start to the guest's first line on
// the virtio-serial port (the host writes first, the guest's /init answers). Median of N boots.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/qemu.h"
#include "tests/guest_fixture.h"

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr char kPongInit[] = "exec 3<>$port\nread -r line <&3\necho PONG >&3\npoweroff -f\n";

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 5;
  char tmpl[] = "/tmp/cocoon-bench-XXXXXX";
  if (runs < 1 || mkdtemp(tmpl) == nullptr) return 2;
  auto kernel = cocoon::testing::GuestKernel();
  auto initrd = cocoon::testing::MakeInitramfs(tmpl, cocoon::testing::InitPrologue() + kPongInit);
  if (!kernel || !initrd) {
    std::fprintf(stderr, "%s\n", (!kernel ? kernel.error() : initrd.error()).ToString().c_str());
    return 1;
  }
  cocoon::runtime::QemuHypervisor qemu(cocoon::runtime::DetectHostCaps());
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    cocoon::runtime::VmConfig config;
    config.kernel = *kernel;
    config.initrd = *initrd;
    auto start = steady_clock::now();
    auto vm = qemu.Start(config);
    if (!vm) return 1;
    auto fd = (*vm)->ConnectChannel(milliseconds(60000));
    if (!fd || !cocoon::testing::WriteAll(*fd, "PING\n")) return 1;
    auto line = cocoon::testing::ReadLine(*fd, milliseconds(60000));
    auto elapsed = std::chrono::duration<double, std::milli>(steady_clock::now() - start);
    close(*fd);
    if (!line || *line != "PONG") {
      std::fprintf(stderr, "run %d: no PONG\n", i);
      return 1;
    }
    ms.push_back(elapsed.count());
    std::printf("run %d: %.0f ms\n", i, elapsed.count());
    (void)(*vm)->Wait(milliseconds(30000));
  }
  std::sort(ms.begin(), ms.end());
  std::printf("QEMU TCG boot to agent channel: median %.0f ms (min %.0f, max %.0f, n=%d)\n",
              ms[ms.size() / 2], ms.front(), ms.back(), runs);
  std::system((std::string("rm -rf ") + tmpl).c_str());
  return 0;
}
