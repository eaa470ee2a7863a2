// How a pod VM reaches its image's registry. Its network is QEMU user networking with
// restrict=on: the guest reaches only the forwards cocoon run sets up at 10.0.2.100. A loopback
// registry is remapped to its forward (plain HTTP, as on loopback today); any other registry
// gets a forward to its host:port, and the guest does TLS end to end with the registry's real
// name through it (curl CONNECT_TO), against the CA bundle given here, so the host relays bytes
// it can neither read nor alter. Trusts the user's flags, CA files and auth.json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "image/reference.h"
#include "initdata/initdata.h"
#include "runtime/hypervisor.h"

namespace cocoon::runtime {

// /etc/containers/certs.d, /etc/docker/certs.d and ${XDG_CONFIG_HOME:-~/.config}/containers/
// certs.d: each holds <host[:port]>/*.crt, the CAs trusted for that registry (containers-certs.d).
std::vector<std::string> DefaultCertsDirs();

struct RegistryAccessOptions {
  bool tls_verify = true;                        // false: unverified TLS or plain HTTP
  std::vector<std::string> insecure_registries;  // HOST[:PORT] treated as tls_verify=false
  std::string cert_dir;  // its *.crt are trusted (skopeo --cert-dir); empty: certs_dirs
  std::vector<std::string> certs_dirs = DefaultCertsDirs();
  std::string system_ca_bundle = "/etc/ssl/certs/ca-certificates.crt";  // also trusted
  std::string authfile;  // containers auth.json; empty: image::DefaultAuthFiles()
};

struct RegistryAccess {
  initdata::RegistryRemap remap;  // for the initdata
  bool insecure = false;          // plain HTTP or unverified TLS was asked for (to log it)
  // {"auths":{"<domain>":{"auth":"<base64 user:pass>"}}} for the guest (PodSpec::registry_auth),
  // only the image's registry; empty when auth.json has no entry (anonymous pull).
  std::string auth_json;
};

// Adds the forward for `ref`'s registry to `services` (guest port: the registry's own port
// unless taken, else the first free one from 20000) and returns what the guest needs.
// InvalidArgument for a registry that cannot be forwarded (not a DNS name or IPv4 address; a
// loopback registry without a port; plain HTTP without a port); FailedPrecondition when no CA
// certificate is available to verify it; errors of reading --cert-dir or the auth file.
Result<RegistryAccess> PlanRegistryAccess(const image::Reference& ref,
                                          const RegistryAccessOptions& options,
                                          std::vector<ForwardedService>& services);

}  // namespace cocoon::runtime
