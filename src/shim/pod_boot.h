// The pod VM a sandbox (or a single `ctr run` task) gets: the shim config's guest image and VM
// shape, the initdata from the pod's annotations (else the config's default file), a forward for
// every host service the initdata names at the guest service address, and the registry
// credentials file. The guest does the rest (attestation, keys, pulls).
#pragma once

#include <memory>

#include "base/error.h"
#include "runtime/hypervisor.h"
#include "runtime/pod_vm.h"
#include "shim/bundle.h"
#include "shim/shim_config.h"

namespace cocoon::shim {

// The PodVmSpec for `spec` under `config`, without the guest's kernel and initrd.
// FailedPrecondition when the pod carries no initdata and the config names no default;
// InvalidArgument for a malformed initdata annotation; the errors of reading the files.
Result<runtime::PodVmSpec> PodVmSpecFor(const BundleSpec& spec, const ShimConfig& config);

// Finds (or builds into the cache) the guest image and boots the pod VM. `agent_fallback` is
// the cocoon-agent used when the config names neither a guest dir nor an agent.
Result<std::unique_ptr<runtime::PodVm>> BootPodVm(runtime::Hypervisor& hypervisor,
                                                  const BundleSpec& spec, const ShimConfig& config,
                                                  const std::string& agent_fallback);

}  // namespace cocoon::shim
