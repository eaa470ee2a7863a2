// A software TPM for a pod VM (`cocoon run --vtpm`): swtpm with its state in a fresh directory,
// serving QEMU's tpm-emulator backend on a unix socket. Trusts the swtpm binary.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "base/error.h"

namespace cocoon::runtime {

namespace internal {
class OwnedProcess;
}

class Vtpm {
 public:
  // Starts `swtpm socket --tpm2` in a new cocoon-vtpm-* directory under the temp directory and
  // returns once its control socket exists (up to 5 s). NotFound when `swtpm` does not exist;
  // Unavailable with swtpm's log when it does not start; Internal if the directory or process
  // cannot be created.
  static Result<std::unique_ptr<Vtpm>> Start(const std::string& swtpm = "/usr/bin/swtpm");
  // Stops swtpm and removes the directory (swtpm also exits by itself when QEMU disconnects).
  ~Vtpm();
  Vtpm(const Vtpm&) = delete;
  Vtpm& operator=(const Vtpm&) = delete;

  // swtpm's control socket, for VmConfig::vtpm_socket.
  std::string socket() const { return dir_ + "/ctrl.sock"; }
  const std::string& dir() const { return dir_; }
  pid_t pid() const;

 private:
  explicit Vtpm(std::string dir);
  std::string dir_;
  std::unique_ptr<internal::OwnedProcess> process_;
};

}  // namespace cocoon::runtime
