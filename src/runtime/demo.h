// `cocoon demo`: the whole flow on this machine with nothing configured. A KBS and a registry
// (runtime/demo_env.h); the workload owner builds the sample image, encrypts it with a key stored
// in the KBS, signs it and registers the sample TEE's reference values (each through the cocoon
// CLI, echoed as the user would type it); then `cocoon run` (runtime/pod_command.h) prints the
// four steps and the container's greeting. Trusts the binaries it is given.
#pragma once

#include <string>

namespace cocoon::runtime {

struct DemoOptions {
  std::string cocoon_binary;  // the CLI the owner's steps run (`cocoon image encrypt`, …)
  std::string kbs_binary;     // cocoon-kbs
  std::string agent_binary;   // cocoon-agent (for the guest image when `guest` is empty)
  std::string guest;          // guest image directory; empty: built once into the cache
  std::string accel = "auto";
  std::string timings;  // the pod's stage timings (JSON) go here; empty: nowhere
  bool keep = false;    // keep the work directory (keys, logs, policy)
};

// Runs the demo, printing its progress on stderr ("demo OK" at the end). Returns 0, or 1 after
// "demo FAILED: …" naming the step that failed.
int RunDemo(const DemoOptions& options);

}  // namespace cocoon::runtime
