// The initdata document `cocoon run` generates for a pod (specs kata-runtime-and-measurement.md
// §4.5): version 0.1.0, sha256 or sha384, with aa.toml and cdh.toml carrying the KBS URL, the image
// signature policy and the registry remaps, and policy.rego for the agent. Its digest is bound
// into the TEE evidence, so everything the guest trusts arrives through it.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace cocoon::runtime {

struct PodRegistryRemap {
  std::string prefix;    // the name the user gives ("127.0.0.1:5000")
  std::string location;  // where the guest fetches it ("10.0.2.100:5000")
  bool insecure = false;
  // cocoon's keys for a forwarded registry (guest/initdata_config.h): where the guest connects
  // ("10.0.2.100:PORT") while TLS verifies the location's name against `ca_certs` (PEM).
  std::string connect_to{};
  std::string ca_certs{};
};

struct PodInitData {
  // The digest algorithm: the TEE field that binds it is 32 bytes on SNP (HOSTDATA, so sha256)
  // and 48 on TDX (MRCONFIGID, so sha384).
  std::string algorithm = "sha384";
  std::string kbs_url;                     // as the guest reaches it; empty: none
  std::string kbs_cert;                    // PEM; empty: none
  std::string image_security_policy;       // containers-policy.json text; empty: none
  std::vector<PodRegistryRemap> registries;
  std::string agent_policy;                // Rego; empty: the agent's default
};

// The TOML text. InvalidArgument if the policy is not JSON.
Result<std::string> MakePodInitData(const PodInitData& in);

}  // namespace cocoon::runtime
