// A software TPM for a pod VM (`cocoon run --vtpm`): swtpm serving QEMU's tpm-emulator backend on
// a unix socket. Its state is fresh for each pod (removed with it), or a persistent directory
// (`--vtpm-state DIR`) whose seeds survive the pod, so the attestation key (AK) the agent quotes
// with is the same on every boot and the KBS operator can enrol it once (VtpmAkPublicPem). Trusts
// the swtpm binary; a vTPM proves nothing against the host that runs it (docs/security.md).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "base/error.h"

namespace cocoon::runtime {

namespace internal {
class OwnedProcess;
}

struct VtpmOptions {
  std::string swtpm = "/usr/bin/swtpm";
  std::string swtpm_setup = "/usr/bin/swtpm_setup";
  // Persistent TPM state: created (0700, swtpm_setup: EK, SHA-256 PCR bank) when it holds none.
  // swtpm locks it, so one pod at a time. Empty: a fresh state removed with the Vtpm.
  std::string state_dir{};
};

class Vtpm {
 public:
  // Starts `swtpm socket --tpm2` with its control socket and log in a new cocoon-vtpm-*
  // directory under the temp directory and returns once the socket exists (up to 5 s).
  // NotFound when swtpm (or swtpm_setup, for a new state_dir) does not exist; Unavailable with
  // swtpm's log when it does not start (a state_dir in use by another pod says so there);
  // Internal if a directory or process cannot be created.
  static Result<std::unique_ptr<Vtpm>> Start(const VtpmOptions& options = {});
  // Stops swtpm and removes the socket directory (and the state, unless persistent).
  ~Vtpm();
  Vtpm(const Vtpm&) = delete;
  Vtpm& operator=(const Vtpm&) = delete;

  // swtpm's control socket, for VmConfig::vtpm_socket.
  std::string socket() const { return dir_ + "/ctrl.sock"; }
  const std::string& dir() const { return dir_; }
  // Where the TPM state lives: options.state_dir, or dir().
  const std::string& state_dir() const { return state_dir_; }
  pid_t pid() const;

 private:
  Vtpm(std::string dir, std::string state_dir);
  std::string dir_;
  std::string state_dir_;
  std::unique_ptr<internal::OwnedProcess> process_;
};

// The public key, as PEM, of the AK a pod's agent quotes with when it boots with this persistent
// state: the guest's default AK (RSA-2048, RSASSA-SHA256, a primary key of the endorsement
// hierarchy) is re-derived from the state's endorsement seed, so it is the same on every boot.
// What the KBS operator lists in `trusted_ak_keys`. Creates the state if it is new; runs swtpm on
// it over loopback TCP for the derivation, then stops it. InvalidArgument without state_dir;
// otherwise the errors of Start.
Result<std::string> VtpmAkPublicPem(const VtpmOptions& options);

}  // namespace cocoon::runtime
