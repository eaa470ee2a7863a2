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

namespace cocoon::guest {

// One `[[image.registry_config.registry]]` entry (containers-registries.conf(5) subset): images
// under `prefix` are fetched from `location` instead; `insecure` allows plain HTTP and
// unverified TLS for it. The image keeps its name for the signature policy.
// cocoon's additions, for a registry the pod VM reaches through a host forward: `connect_to`
// ("10.0.2.100:PORT") is where its connections go while TLS still verifies the location's own
// name, against the PEM bundle `ca_certs` (the guest has no system store of its own).
struct RegistryRemap {
  std::string prefix;    // "host[:port][/path]"
  std::string location;  // same form; empty: the prefix itself
  bool insecure = false;
  std::string connect_to{};  // "ip:port"; empty: connect to the location itself
  std::string ca_certs{};    // PEM; empty: the guest's default store
};

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
