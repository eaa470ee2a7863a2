// Registry remapping (see registry_remap.h).
#include "image/registry/registry_remap.h"

namespace cocoon::image {

RemappedRef RemapReference(const TransportRef& ref, const std::vector<RegistryRemap>& registries) {
  if (!ref.is_docker()) return {ref};
  const std::string& name = ref.name;
  for (const auto& r : registries) {
    if (!name.starts_with(r.prefix)) continue;
    // The prefix must end at a component boundary: "host:5000" matches "host:5000/app", not
    // "host:50001/app".
    if (name.size() > r.prefix.size() && !r.prefix.ends_with('/')) {
      char next = name[r.prefix.size()];
      if (next != '/' && next != ':' && next != '@') continue;
    }
    return {TransportRef::Docker(r.location + name.substr(r.prefix.size())), r.insecure,
            r.connect_to, r.ca_certs};
  }
  return {ref};
}

RegistryOptions OptionsFor(const RemappedRef& where, RegistryOptions options) {
  if (where.insecure) options.tls_verify = false;
  if (!where.ca_certs.empty()) options.ca_pem = where.ca_certs;
  if (where.connect_to.empty() || !where.ref.is_docker()) return options;
  auto ref = where.ref.DockerReference();
  if (!ref) return options;  // the pull reports the bad reference
  std::string host = ref->ApiHost();
  if (auto colon = host.rfind(':'); colon != std::string::npos && host.back() != ']') {
    host.resize(colon);
  }
  // Any port of the registry's host (https, or http when insecure): realms on other hosts are
  // not forwarded and stay unreachable from the pod VM.
  options.connect_to.push_back(host + "::" + where.connect_to);
  return options;
}

}  // namespace cocoon::image
