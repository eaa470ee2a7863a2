// In-guest image pull for CreateContainer (see guest_pull.h).
#include "guest/guest_pull.h"

#include "base/file.h"
#include "base/json.h"
#include "image/bundle.h"
#include "image/registry/registry_remap.h"
#include "image/signature/cosign_registry.h"
#include "image/signature/lookaside.h"
#include "image/transport.h"
#include "image/transport_ref.h"

namespace cocoon::guest {
namespace {

void SetEnv(Json& env, const std::string& entry) {
  std::string key = entry.substr(0, entry.find('='));
  for (auto& e : env) {
    if (e.is_string() && e.get<std::string>().substr(0, e.get<std::string>().find('=')) == key) {
      e = entry;
      return;
    }
  }
  env.push_back(entry);
}

Status ApplyOverrides(const std::string& bundle_dir, const ::grpc::Spec& oci) {
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(bundle_dir + "/config.json", "config.json"));
  ASSIGN_OR_RETURN(Json config, base::ParseJson(text));
  Json& process = config["process"];
  if (!process.is_object()) return InvalidArgument("bundle config.json has no process object");
  process["terminal"] = false;
  if (!process["env"].is_array()) process["env"] = Json::array();
  for (const auto& e : oci.process().env()) {
    if (e.find('=') == std::string::npos) return InvalidArgument("OCI env entry without '='");
    SetEnv(process["env"], e);
  }
  if (!oci.process().cwd().empty()) {
    if (oci.process().cwd()[0] != '/') return InvalidArgument("OCI cwd must be absolute");
    process["cwd"] = oci.process().cwd();
  }
  if (!oci.hostname().empty()) config["hostname"] = oci.hostname();
  // The pod VM is the pod's network namespace (as with kata): its containers share the guest's
  // network, so a service in one answers on the pod IP and the containers reach each other on
  // localhost.
  if (config.contains("linux") && config["linux"].contains("namespaces") &&
      config["linux"]["namespaces"].is_array()) {
    Json kept = Json::array();
    for (const auto& ns : config["linux"]["namespaces"]) {
      if (!(ns.is_object() && ns.value("type", "") == "network")) kept.push_back(ns);
    }
    config["linux"]["namespaces"] = kept;
  }
  return image::WriteBundle(bundle_dir, config);
}

// Credentials for `ref` (by its own name) from the host's auth.json; the agent's own otherwise.
Result<std::optional<image::Credentials>> CredentialsFor(const image::TransportRef& ref,
                                                         const GuestPullConfig& config) {
  if (config.auth_json.empty() || !ref.is_docker()) return config.registry.credentials;
  ASSIGN_OR_RETURN(image::Reference r, ref.DockerReference());
  auto creds = image::CredentialsFromAuthJson(config.auth_json, r);
  if (!creds)
    return std::unexpected(creds.error().WithContext("registry credentials from the host"));
  return *creds ? *creds : config.registry.credentials;
}

}  // namespace

std::vector<image::RegistryRemap> ToImageRemaps(const std::vector<initdata::RegistryRemap>& in) {
  std::vector<image::RegistryRemap> out;
  out.reserve(in.size());
  for (const auto& r : in) out.push_back({r.prefix, r.location, r.insecure, r.connect_to, r.ca_certs});
  return out;
}

Result<image::PullResult> PullContainerImage(const std::string& image,
                                             const std::string& bundle_dir, const ::grpc::Spec& oci,
                                             const GuestPullConfig& config) {
  image::TransportRef ref = image::ParseImageRef(image);
  // The image keeps its name for the policy; bytes come from the remapped location.
  image::RemappedRef fetch = image::RemapReference(ref, config.registries);
  image::RegistryOptions registry = config.registry;
  ASSIGN_OR_RETURN(registry.credentials, CredentialsFor(ref, config));
  ASSIGN_OR_RETURN(auto source,
                   image::OpenImageSource(fetch.ref, image::OptionsFor(fetch, registry)));
  auto cosign = [registry, registries = config.registries](
                    const image::ImageIdentity& id,
                    const image::Digest& d) -> Result<std::vector<image::CosignSignature>> {
    image::RemappedRef where =
        image::RemapReference(image::TransportRef::Docker(id.repository), registries);
    ASSIGN_OR_RETURN(image::Reference r, where.ref.DockerReference());
    ASSIGN_OR_RETURN(auto client,
                     image::RegistryClient::Create(r, image::OptionsFor(where, registry)));
    return image::FetchCosignSignatures(*client, d);
  };
  image::LookasideSignatureProvider signatures(image::RegistriesConfig(), cosign);
  image::DecryptionKeys keys;
  keys.provider = config.key_provider;
  image::PullOptions po;
  po.policy = config.policy;
  if (config.policy) po.signatures = &signatures;
  po.identity = image::ImageIdentity::Of(ref);
  po.keys = &keys;
  po.progress = config.progress;
  if (oci.has_process() && oci.process().args_size() > 0) {
    po.bundle.args.emplace(oci.process().args().begin(), oci.process().args().end());
  }
  ASSIGN_OR_RETURN(image::PullResult result, image::PullToBundle(*source, bundle_dir, po));
  TRY(ApplyOverrides(bundle_dir, oci));
  return result;
}

}  // namespace cocoon::guest
