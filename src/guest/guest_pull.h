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
#include "image/ocicrypt/ocicrypt_keyprovider.h"
#include "image/puller.h"
#include "image/registry/registry_client.h"
#include "image/registry/registry_remap.h"
#include "image/signature/signature_policy.h"
#include "initdata/initdata.h"

namespace cocoon::guest {

struct GuestPullConfig {
  const image::ContainersPolicy* policy = nullptr;   // null: signatures not checked
  std::shared_ptr<image::KeyProvider> key_provider;  // null: encrypted layers fail
  image::RegistryOptions registry;
  std::vector<image::RegistryRemap> registries;  // first matching prefix wins
  std::string auth_json;  // containers auth.json text from the host (CreateSandbox); may be empty
  std::function<void(std::string_view)> progress;  // pull progress lines
};

// The initdata's registry entries as the image module's remap entries (the same fields).
std::vector<image::RegistryRemap> ToImageRemaps(const std::vector<initdata::RegistryRemap>& in);

// Pulls `image` (docker://REF or oci:DIR[:TAG]; a bare reference means docker://) into
// `bundle_dir` (must not exist), fetching from where config.registries remaps it (the image keeps
// its name for the policy). Overrides from `oci`: non-empty Process.Args replace the command,
// Process.Env entries replace same-named ones or are appended, non-empty Process.Cwd and Hostname
// replace the image's; terminal is always off. Errors as image::PullToBundle, InvalidArgument
// for bad overrides.
Result<image::PullResult> PullContainerImage(const std::string& image,
                                             const std::string& bundle_dir, const ::grpc::Spec& oci,
                                             const GuestPullConfig& config);

}  // namespace cocoon::guest
