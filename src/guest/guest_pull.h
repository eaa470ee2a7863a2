// Image pull inside the guest for CreateContainer (the CDH's PullImage): pull, check the
// signature policy, decrypt with keys from the KBS, unpack into an OCI bundle, then apply the
// request's OCI overrides to config.json. The image and the overrides (from the host) are
// untrusted; the policy and key provider are the agent's.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agent.pb.h"
#include "base/error.h"
#include "image/ocicrypt_keyprovider.h"
#include "image/policy.h"
#include "image/puller.h"
#include "image/registry_client.h"
#include "initdata/initdata.h"

namespace cocoon::guest {

struct GuestPullConfig {
  const image::ContainersPolicy* policy = nullptr;   // null: signatures not checked
  std::shared_ptr<image::KeyProvider> key_provider;  // null: encrypted layers fail
  image::RegistryOptions registry;
  std::vector<initdata::RegistryRemap> registries;  // first matching prefix wins
  std::string auth_json;  // containers auth.json text from the host (CreateSandbox); may be empty
  std::function<void(std::string_view)> progress;  // pull progress lines
};

// The docker:// reference to fetch from for `ref` (a "docker://…" transport reference) after
// the first matching remap, and whether that location is insecure. Others are returned as given.
struct RemappedRef {
  std::string transport_ref;
  bool insecure = false;
  std::string connect_to{};  // the remap's forward ("ip:port"), else empty
  std::string ca_certs{};    // the remap's CA bundle (PEM), else empty
};
RemappedRef RemapReference(const std::string& transport_ref,
                           const std::vector<initdata::RegistryRemap>& registries);

// Registry options for fetching from `where`: unverified TLS / plain HTTP when insecure, and for
// a forwarded registry its connections routed to connect_to (curl CONNECT_TO for the registry's
// own host name, so TLS still verifies that name) with its CA bundle.
image::RegistryOptions OptionsFor(const RemappedRef& where, image::RegistryOptions options);

// "docker://REF" and "oci:DIR[:TAG]" are used as they are; a bare reference means docker://.
std::string ImageTransportRef(const std::string& image);

// Pulls `image` into `bundle_dir` (must not exist). Overrides from `oci`: non-empty
// Process.Args replace the command, Process.Env entries replace same-named ones or are
// appended, non-empty Process.Cwd and Hostname replace the image's; terminal is always off.
// Errors as image::PullToBundle, InvalidArgument for bad overrides.
Result<image::PullResult> PullContainerImage(const std::string& image,
                                             const std::string& bundle_dir, const ::grpc::Spec& oci,
                                             const GuestPullConfig& config);

}  // namespace cocoon::guest
