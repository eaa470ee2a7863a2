// cocoon-agent as a process: as the guest's PID 1 it prepares the guest (guest/pid1.h), reads
// the initdata QEMU delivers and serves the agent API on the virtio-serial port
// (guest/agent_port.h) for as long as the guest runs; with --listen it serves on a unix socket
// without those steps (tests, development). Trusts its flags and the guest image; the host's
// requests and initdata are checked by the service (guest/agent_service.h).
#pragma once

#include <string>

#include "guest/agent_service.h"
#include "podproto/podproto.h"
#include "tee/registry.h"

namespace cocoon::guest {

// cocoon-agent's flags.
struct AgentOptions {
  std::string listen;  // unix:PATH instead of the virtio-serial port
  std::string port = std::string(podproto::kAgentPortName);
  std::string policy_file, image_policy_file, initdata_file;
  std::string modules = "/etc/cocoon/modules";  // kernel module list (PID 1)
  std::string attester = "auto";  // a TEE of the attester table, or auto: detected, else sample
  std::string tpm_tcti = "device:/dev/tpmrm0";
  AgentConfig config;
};

// The agent's log line on stderr (the console): "cocoon-agent: <line>".
void AgentLog(const std::string& line);

// Runs the agent until it is told to stop (SIGTERM, SIGINT) or, with --listen, its listener
// fails; as PID 1 it never returns. The attester comes from `attesters` (which must outlive the
// agent), the TEE named by options.attester or detected. Returns 2 when a file the options name
// cannot be read, the service cannot be created or the options are unusable, 1 when the
// listener fails, 0 otherwise. Errors go to AgentLog.
int RunAgent(AgentOptions options, bool pid1, const tee::AttesterTable& attesters);

}  // namespace cocoon::guest
