// What the agent takes from initdata (the measured TOML the pod was launched with, specs
// kata-runtime-and-measurement.md §4.5): the agent policy (`policy.rego`), the KBS URL and
// certificate (`cdh.toml` [kbc] url, kbs_cert) and an inline image signature policy (`cdh.toml`
// [image] image_security_policy, [image.registry_config]). The document is trusted once its
// digest is bound to the TEE evidence (guest/initdata_binding.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "image/registry/registry_remap.h"

namespace cocoon::guest {

// One `[[image.registry_config.registry]]` entry: the pull's registry remap (prefix, location,
// insecure, connect_to, ca_certs), defined beside the code that applies it.
using RegistryRemap = image::RegistryRemap;

struct InitDataConfig {
  std::string agent_policy;               // empty: none given
  std::string kbs_url;                    // empty: none given
  std::string kbs_cert;                   // PEM the KBS's TLS is checked against; empty: none given
  std::string image_security_policy;      // containers-policy.json text; empty: none given
  std::vector<RegistryRemap> registries;  // cdh.toml [image.registry_config] registry entries
};

// InvalidArgument if the TOML is malformed, has no [data] table, a field has the wrong type,
// kbc.kbs_cert holds no PEM certificate or is given with a URL that is not https.
Result<InitDataConfig> ParseInitDataConfig(std::string_view toml);

// The KBS URL the guest uses: the initdata's when it names one, else `host_url`. The host
// (CreateSandbox, agent flags) may repeat the initdata's URL but not replace it:
// PermissionDenied naming both URLs and `source` when they differ (trailing '/' ignored).
Result<std::string> ChooseKbsUrl(const InitDataConfig& init, std::string_view host_url,
                                 std::string_view source);

}  // namespace cocoon::guest
