// Registry remapping for pulls, the containers-registries.conf(5) `[[registry]]` prefix/location
// subset in image-rs's `registry_config` shape: an image under `prefix` is fetched from
// `location` instead and keeps its own name for the signature policy. The remap entries are
// trusted configuration (in the guest they come from the measured initdata); the references they
// rewrite are not.
#pragma once

#include <string>
#include <vector>

#include "image/registry/registry_client.h"
#include "image/transport_ref.h"

namespace cocoon::image {

// One remap entry: images under `prefix` are fetched from `location`; `insecure` allows plain
// HTTP and unverified TLS for it. cocoon's additions, for a registry the pod VM reaches through a
// host forward: `connect_to` ("10.0.2.100:PORT") is where its connections go while TLS still
// verifies the location's own name, against the PEM bundle `ca_certs` (the guest has no system
// store of its own).
struct RegistryRemap {
  std::string prefix;    // "host[:port][/path]"
  std::string location;  // same form; empty: the prefix itself
  bool insecure = false;
  std::string connect_to{};  // "ip:port"; empty: connect to the location itself
  std::string ca_certs{};    // PEM; empty: the default store
};

// Where to fetch an image from after the first matching remap, and how.
struct RemappedRef {
  TransportRef ref;
  bool insecure = false;
  std::string connect_to{};  // the remap's forward ("ip:port"), else empty
  std::string ca_certs{};    // the remap's CA bundle (PEM), else empty
};

// The docker:// reference to fetch from for `ref` after the first entry whose prefix matches at
// a component boundary ("host:5000" matches "host:5000/app", not "host:50001/app"); other
// references, and oci: ones, are returned as given.
RemappedRef RemapReference(const TransportRef& ref, const std::vector<RegistryRemap>& registries);

// Registry options for fetching from `where`: unverified TLS / plain HTTP when insecure, and for
// a forwarded registry its connections routed to connect_to (curl CONNECT_TO for the registry's
// own host name, so TLS still verifies that name) with its CA bundle.
RegistryOptions OptionsFor(const RemappedRef& where, RegistryOptions options);

}  // namespace cocoon::image
