// Test helper: starts a QEMU VM (kernel, initrd from argv), prints "VM-STARTED <qemu pid> <run
// dir>" and waits to be killed. Trusts its arguments.
#include <unistd.h>

#include <cstdio>

#include "runtime/qemu.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: vm_owner_helper KERNEL INITRD\n");
    return 2;
  }
  cocoon::runtime::QemuHypervisor hypervisor(cocoon::runtime::DetectHostCaps());
  cocoon::runtime::VmConfig config;
  config.kernel = argv[1];
  config.initrd = argv[2];
  config.accel = cocoon::runtime::Accel::kTcg;
  auto vm = hypervisor.Start(config);
  if (!vm) {
    std::fprintf(stderr, "%s\n", vm.error().ToString().c_str());
    return 1;
  }
  std::string run_dir = (*vm)->channel_socket_path();
  run_dir.resize(run_dir.rfind('/'));
  std::printf("VM-STARTED %d %s\n", (*vm)->pid(), run_dir.c_str());
  std::fflush(stdout);
  for (;;) pause();
}
