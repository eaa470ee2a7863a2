// registries.d (containers-registries.d(5)): where simple signatures are stored (lookaside),
// per docker scope, plus use-sigstore-attachments. Configuration files are trusted but parsed
// strictly; unknown keys are errors.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "image/digest.h"
#include "image/signature/signed_identity.h"

namespace cocoon::image {

// containers/image's built-in lookaside when nothing is configured.
inline constexpr std::string_view kDefaultLookaside = "file:///var/lib/containers/sigstore";

struct RegistryNamespaceConfig {
  std::string lookaside;          // `lookaside`, or the old name `sigstore`
  std::string lookaside_staging;  // `lookaside-staging`, or `sigstore-staging`
  std::optional<bool> use_sigstore_attachments;
};

class RegistriesConfig {
 public:
  // Adds one YAML document (`default-docker:` and `docker: {scope: {...}}`). InvalidArgument
  // naming `source` and the key for unknown keys, non-boolean use-sigstore-attachments, or a
  // scope (or default-docker) already defined by an earlier document.
  Status AddYaml(std::string_view yaml, std::string_view source);
  // Every *.yaml file of `dir`, in name order. A missing directory is NotFound.
  static Result<RegistriesConfig> LoadDir(const std::string& dir);

  // Base URL to read simple signatures from: the most specific scope that sets one, then
  // default-docker, then kDefaultLookaside.
  std::string LookasideUrl(const ImageIdentity& id) const;
  // Base URL to write signatures to: staging first, then the read URL.
  std::string LookasideStagingUrl(const ImageIdentity& id) const;
  bool UseSigstoreAttachments(const ImageIdentity& id) const;

 private:
  template <typename F>
  auto FirstSet(const ImageIdentity& id, F get) const -> decltype(get(RegistryNamespaceConfig{}));

  std::optional<RegistryNamespaceConfig> default_docker_;
  std::map<std::string, RegistryNamespaceConfig> docker_;
};

// `<base>/<repository path without host>@<alg>=<hex>/signature-<index>` (index from 1).
std::string LookasideSignatureUrl(std::string_view base, const ImageIdentity& id,
                                  const Digest& manifest_digest, size_t index);

}  // namespace cocoon::image
