// In-guest image pull for CreateContainer (see guest_pull.h).
#include "guest/guest_pull.h"

#include "base/file.h"
#include "base/json.h"
#include "image/bundle.h"
#include "image/cosign_registry.h"
#include "image/lookaside.h"
#include "image/transport.h"

namespace cocoon::guest {
namespace {

image::ImageIdentity IdentityOf(const std::string& transport_ref) {
  if (transport_ref.starts_with("docker://")) {
    if (auto parsed = image::ImageIdentity::Parse(transport_ref.substr(9))) return *parsed;
  }
  image::ImageIdentity id;
  auto colon = transport_ref.find(':');
  id.transport = transport_ref.substr(0, colon);
  id.repository = colon == std::string::npos ? "" : transport_ref.substr(colon + 1);
  return id;
}

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
  return image::WriteBundle(bundle_dir, config);
}

// Credentials for `ref` (by its own name) from the host's auth.json; the agent's own otherwise.
Result<std::optional<image::Credentials>> CredentialsFor(const std::string& ref,
                                                         const GuestPullConfig& config) {
  if (config.auth_json.empty() || !ref.starts_with("docker://")) {
    return config.registry.credentials;
  }
  ASSIGN_OR_RETURN(image::Reference r, image::ParseReference(ref.substr(9)));
  auto creds = image::CredentialsFromAuthJson(config.auth_json, r);
  if (!creds)
    return std::unexpected(creds.error().WithContext("registry credentials from the host"));
  return *creds ? *creds : config.registry.credentials;
}

}  // namespace

RemappedRef RemapReference(const std::string& transport_ref,
                           const std::vector<initdata::RegistryRemap>& registries) {
  if (!transport_ref.starts_with("docker://")) return {transport_ref, false};
  std::string name = transport_ref.substr(9);
  for (const auto& r : registries) {
    if (!name.starts_with(r.prefix)) continue;
    // The prefix must end at a component boundary: "host:5000" matches "host:5000/app", not
    // "host:50001/app".
    if (name.size() > r.prefix.size() && !r.prefix.ends_with('/')) {
      char next = name[r.prefix.size()];
      if (next != '/' && next != ':' && next != '@') continue;
    }
    return {"docker://" + r.location + name.substr(r.prefix.size()), r.insecure, r.connect_to,
            r.ca_certs};
  }
  return {transport_ref, false};
}

image::RegistryOptions OptionsFor(const RemappedRef& where, image::RegistryOptions options) {
  if (where.insecure) options.tls_verify = false;
  if (!where.ca_certs.empty()) options.ca_pem = where.ca_certs;
  if (where.connect_to.empty() || !where.transport_ref.starts_with("docker://")) return options;
  auto ref = image::ParseReference(where.transport_ref.substr(9));
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

std::string ImageTransportRef(const std::string& image) {
  if (image.starts_with("docker://") || image.starts_with("oci:")) return image;
  return "docker://" + image;
}

Result<image::PullResult> PullContainerImage(const std::string& image,
                                             const std::string& bundle_dir, const ::grpc::Spec& oci,
                                             const GuestPullConfig& config) {
  std::string ref = ImageTransportRef(image);
  // The image keeps its name for the policy; bytes come from the remapped location.
  RemappedRef fetch = RemapReference(ref, config.registries);
  image::RegistryOptions registry = config.registry;
  ASSIGN_OR_RETURN(registry.credentials, CredentialsFor(ref, config));
  ASSIGN_OR_RETURN(auto source,
                   image::OpenImageSource(fetch.transport_ref, OptionsFor(fetch, registry)));
  auto cosign = [registry, registries = config.registries](
                    const image::ImageIdentity& id,
                    const image::Digest& d) -> Result<std::vector<image::CosignSignature>> {
    RemappedRef where = RemapReference("docker://" + id.repository, registries);
    ASSIGN_OR_RETURN(image::Reference r, image::ParseReference(where.transport_ref.substr(9)));
    ASSIGN_OR_RETURN(auto client, image::RegistryClient::Create(r, OptionsFor(where, registry)));
    return image::FetchCosignSignatures(*client, d);
  };
  image::LookasideSignatureProvider signatures(image::RegistriesConfig(), cosign);
  image::DecryptionKeys keys;
  keys.provider = config.key_provider;
  image::PullOptions po;
  po.policy = config.policy;
  if (config.policy) po.signatures = &signatures;
  po.identity = IdentityOf(ref);
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
