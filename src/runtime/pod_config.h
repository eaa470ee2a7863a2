// The pod `cocoon run` starts, from its options: the image and its command, the VM's shape, the
// forwards to the host's KBS and the image's registry, and the initdata (built from the options,
// or the user's file as given). Trusts the user's options and the files they name.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"
#include "runtime/pod.h"

namespace cocoon::runtime {

// `cocoon run`'s flags, as given.
struct PodRunOptions {
  std::string kbs;         // KBS URL on this host's loopback; empty: none
  std::string kbs_cacert;  // PEM CA certificate file of an HTTPS KBS
  std::string policy;      // containers-policy.json file the guest enforces
  bool insecure_policy = false;
  std::string agent_policy;  // Rego file; empty: the agent's default
  std::string initdata;      // initdata TOML file used as given (excludes the four above)
  std::string guest;         // guest image directory; empty: built into the cache
  bool vtpm = false;         // a software TPM for the guest (runtime/vtpm.h)
  std::string vtpm_state;    // its persistent state directory; empty: fresh per pod
  std::string accel = "auto";
  std::string tee = "none";
  std::string firmware;
  uint32_t memory_mib = 1024;
  uint32_t vcpus = 1;
  // The image's registry (runtime/pod_registry.h), skopeo's flags.
  bool tls_verify = true;
  std::vector<std::string> insecure_registries;
  std::string cert_dir, authfile;
  std::vector<std::string> image_and_args;  // IMAGE [CMD…]
};

// Usage errors, before anything is read: InvalidArgument with the message `cocoon run` prints
// (no IMAGE, --initdata with the flags it excludes, no signature policy, an unknown --accel or
// --tee, an IMAGE that is not a reference).
Status CheckPodRunOptions(const PodRunOptions& options);

struct PodConfig {
  PodSpec spec;                   // everything but kernel, initrd and vtpm_socket
  std::string agent_policy_step;  // "agent policy: …", the policy the pod gets
};

// The pod for `options`; `warn` hears what the user should know as it is decided (TLS
// verification turned off for a registry beyond this host). Errors: those of
// CheckPodRunOptions; InvalidArgument for a KBS URL the pod VM cannot reach (not on this host's
// loopback) or a policy that is not JSON; those of PlanRegistryAccess; those of reading the
// files the options name.
Result<PodConfig> BuildPodConfig(const PodRunOptions& options,
                                 const std::function<void(const std::string&)>& warn);

// "http://127.0.0.1:8080/x" → "http://10.0.2.100:8080/x" plus a forward of port 8080 in
// `services` (once). InvalidArgument for a URL that is not one, or not on this host's loopback:
// the pod VM's network reaches nothing else (user networking with restrict=on).
Result<std::string> GuestKbsUrl(const std::string& url, std::vector<ForwardedService>& services);

// The agent policy the pod gets, as `cocoon run` states it: the --agent-policy file, the
// initdata's policy.rego, or the agent's default for the guest's TEE (guest/agent_policy.h).
std::string AgentPolicyStep(const PodRunOptions& options, Tee tee, const std::string& initdata);

}  // namespace cocoon::runtime
