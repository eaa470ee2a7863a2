// The QEMU hypervisor: launches qemu-system-x86_64 with the argv from QemuArgs as a child that
// dies with its owner, and owns the VM's run directory. Trusts the VmConfig it is given.
#pragma once

#include <memory>
#include <string>

#include "runtime/host_caps.h"
#include "runtime/hypervisor.h"

namespace cocoon::runtime {

class QemuHypervisor : public Hypervisor {
 public:
  explicit QemuHypervisor(HostCaps caps) : caps_(std::move(caps)) {}
  const HostCaps& caps() const { return caps_; }

  // Creates run_dir (when empty) under $TMPDIR or /tmp as cocoon-vm-XXXXXX, writes the initdata
  // file, starts QEMU and returns. Start from a long-lived thread (see OwnedProcess).
  // Errors: those of QemuArgs; Internal if the directory, files or process cannot be created.
  Result<std::unique_ptr<Vm>> Start(const VmConfig& config) override;

 private:
  HostCaps caps_;
};

// Removes cocoon-vm-* directories under `parent` whose owner process (owner.pid) is gone:
// what a SIGKILLed owner leaves behind (its QEMU died with it). Returns how many it removed.
int SweepStaleRunDirs(const std::string& parent);

// The directory Start creates run directories in ($TMPDIR if set and short, else /tmp).
std::string RunDirParent();

}  // namespace cocoon::runtime
