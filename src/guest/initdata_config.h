// What the agent takes from initdata (the measured TOML the pod was launched with, specs
// kata-runtime-and-measurement.md §4.5): the agent policy (`policy.rego`), the KBS URL
// (`cdh.toml` [kbc] url) and an inline image signature policy (`cdh.toml` [image]
// image_security_policy). The document is trusted once its digest is bound to the TEE evidence.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace cocoon::guest {

struct InitDataConfig {
  std::string agent_policy;           // empty: none given
  std::string kbs_url;                // empty: none given
  std::string image_security_policy;  // containers-policy.json text; empty: none given
};

// InvalidArgument if the TOML is malformed, has no [data] table or a field has the wrong type.
Result<InitDataConfig> ParseInitDataConfig(std::string_view toml);

}  // namespace cocoon::guest
