// The bare boot `bench/pod_run.sh` compares the pod VM with: the same kernel and initramfs as a
// cocoon guest image, started by the same QemuHypervisor with the same VmConfig as `cocoon run`,
// but with /init replaced (rdinit=) by a two-line script that prints a marker and powers off.
// Time from Hypervisor::Start to the marker on the console, one line per boot (ms).
// usage: pod_boot_bench GUEST_DIR [RUNS]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "base/file.h"
#include "runtime/cpio_writer.h"
#include "runtime/guest_image.h"
#include "runtime/host_caps.h"
#include "runtime/qemu.h"

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
constexpr char kMarker[] = "COCOON-BARE-INIT";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: pod_boot_bench GUEST_DIR [RUNS]\n");
    return 2;
  }
  int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  auto guest = cocoon::runtime::FindGuestImage(argv[1]);
  if (!guest) {
    std::fprintf(stderr, "%s\n", guest.error().ToString().c_str());
    return 1;
  }
  // A small uncompressed cpio holding /bare-init followed by the image's initramfs: the
  // kernel unpacks both, so every byte the pod VM boots is booted here too.
  cocoon::runtime::CpioBuilder extra;
  if (!extra.AddFile("bare-init",
                     std::string("#!/bin/sh\necho ") + kMarker + "\nexec /bin/busybox poweroff -f\n",
                     0755)) {
    return 1;
  }
  auto base = cocoon::base::ReadFile(guest->initrd, "initramfs", size_t{1} << 30);
  if (!base) return 1;
  char tmpl[] = "/tmp/cocoon-bare-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  std::string initrd = std::string(tmpl) + "/initrd";
  std::ofstream(initrd, std::ios::binary) << extra.Serialize(0) << *base;

  cocoon::runtime::QemuHypervisor qemu(cocoon::runtime::DetectHostCaps());
  int failures = 0;
  for (int i = 0; i < runs; ++i) {
    cocoon::runtime::VmConfig c;  // as RunPod fills it (runtime/pod.cc)
    c.kernel = guest->kernel;
    c.initrd = initrd;
    c.memory_mib = 1024;
    c.cmdline = "rdinit=/bare-init";
    auto start = steady_clock::now();
    auto vm = qemu.Start(c);
    if (!vm) {
      std::fprintf(stderr, "%s\n", vm.error().ToString().c_str());
      return 1;
    }
    bool seen = false;
    while (!seen && steady_clock::now() - start < std::chrono::seconds(120)) {
      auto log = cocoon::base::ReadFile((*vm)->console_log_path(), "console", size_t{64} << 20);
      if (log && log->find(std::string(kMarker) + "\r") != std::string::npos) seen = true;
      else if (log && log->find(std::string(kMarker) + "\n") != std::string::npos) seen = true;
      else std::this_thread::sleep_for(milliseconds(10));
    }
    if (!seen) {
      auto log = cocoon::base::ReadFile((*vm)->console_log_path(), "console", size_t{64} << 20);
      if (log) std::fprintf(stderr, "%s\n", log->substr(log->size() > 2000 ? log->size() - 2000 : 0).c_str());
    }
    auto ms = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count();
    (void)(*vm)->Stop(milliseconds(2000));
    if (!seen) {
      ++failures;
      std::fprintf(stderr, "run %d: no marker within 120 s\n", i + 1);
      continue;
    }
    std::printf("%lld\n", static_cast<long long>(ms));
    std::fflush(stdout);
  }
  std::string rm = std::string("rm -rf ") + tmpl;
  (void)std::system(rm.c_str());
  return failures == 0 ? 0 : 1;
}
