// registries.d loading and lookaside URL construction.

#include "image/signature/registries_d.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "base/file.h"
#include "image/signature/internal/mini_yaml.h"

namespace cocoon::image {
namespace {

Result<RegistryNamespaceConfig> ParseNamespace(const Json& j, const std::string& where) {
  RegistryNamespaceConfig ns;
  if (j.is_null()) return ns;
  if (!j.is_object()) return InvalidArgument(where + " must be a mapping");
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string()) return InvalidArgument(where + "." + key + " must be a scalar");
    const std::string& v = value.get_ref<const std::string&>();
    if (key == "lookaside" || key == "sigstore") {
      if (ns.lookaside.empty() || key == "lookaside") ns.lookaside = v;
    } else if (key == "lookaside-staging" || key == "sigstore-staging") {
      if (ns.lookaside_staging.empty() || key == "lookaside-staging") ns.lookaside_staging = v;
    } else if (key == "use-sigstore-attachments") {
      if (v != "true" && v != "false") {
        return InvalidArgument(where + ".use-sigstore-attachments must be true or false");
      }
      ns.use_sigstore_attachments = v == "true";
    } else {
      return InvalidArgument(where + ": unknown key '" + key + "'");
    }
  }
  return ns;
}

}  // namespace

Status RegistriesConfig::AddYaml(std::string_view yaml, std::string_view source) {
  auto parsed = internal::ParseMiniYaml(yaml);
  if (!parsed) return std::unexpected(parsed.error().WithContext(source));
  const std::string src(source);
  for (const auto& [key, value] : parsed->items()) {
    if (key == "default-docker") {
      if (default_docker_) return InvalidArgument(src + ": default-docker defined twice");
      ASSIGN_OR_RETURN(default_docker_, ParseNamespace(value, src + ": default-docker"));
    } else if (key == "docker") {
      if (value.is_null()) continue;
      if (!value.is_object()) return InvalidArgument(src + ": docker must be a mapping");
      for (const auto& [scope, ns] : value.items()) {
        if (docker_.contains(scope)) {
          return InvalidArgument(src + ": docker scope '" + scope + "' defined twice");
        }
        ASSIGN_OR_RETURN(docker_[scope], ParseNamespace(ns, src + ": docker." + scope));
      }
    } else {
      return InvalidArgument(src + ": unknown key '" + key + "'");
    }
  }
  return Ok();
}

Result<RegistriesConfig> RegistriesConfig::LoadDir(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".yaml") files.push_back(it->path().string());
  }
  if (ec) return NotFound("registries.d directory " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  RegistriesConfig config;
  for (const std::string& f : files) {
    ASSIGN_OR_RETURN(std::string text, base::ReadFile(f, "registries.d file", 1024 * 1024));
    TRY(config.AddYaml(text, f));
  }
  return config;
}

template <typename F>
auto RegistriesConfig::FirstSet(const ImageIdentity& id, F get) const
    -> decltype(get(RegistryNamespaceConfig{})) {
  for (const std::string& scope : PolicyScopes(id)) {
    if (auto it = docker_.find(scope); it != docker_.end()) {
      if (auto v = get(it->second)) return v;
    }
  }
  if (default_docker_) return get(*default_docker_);
  return {};
}

std::string RegistriesConfig::LookasideUrl(const ImageIdentity& id) const {
  auto url = FirstSet(id, [](const RegistryNamespaceConfig& ns) -> std::optional<std::string> {
    if (ns.lookaside.empty()) return std::nullopt;
    return ns.lookaside;
  });
  return url ? *url : std::string(kDefaultLookaside);
}

std::string RegistriesConfig::LookasideStagingUrl(const ImageIdentity& id) const {
  auto url = FirstSet(id, [](const RegistryNamespaceConfig& ns) -> std::optional<std::string> {
    if (!ns.lookaside_staging.empty()) return ns.lookaside_staging;
    if (!ns.lookaside.empty()) return ns.lookaside;
    return std::nullopt;
  });
  return url ? *url : std::string(kDefaultLookaside);
}

bool RegistriesConfig::UseSigstoreAttachments(const ImageIdentity& id) const {
  auto v =
      FirstSet(id, [](const RegistryNamespaceConfig& ns) { return ns.use_sigstore_attachments; });
  return v.value_or(false);
}

std::string LookasideSignatureUrl(std::string_view base, const ImageIdentity& id,
                                  const Digest& manifest_digest, size_t index) {
  std::string url(base);
  while (url.ends_with('/')) url.pop_back();
  size_t slash = id.repository.find('/');
  std::string path = slash == std::string::npos ? id.repository : id.repository.substr(slash + 1);
  return url + "/" + path + "@" + std::string(crypto::HashAlgName(manifest_digest.algorithm)) +
         "=" + manifest_digest.hex + "/signature-" + std::to_string(index);
}

}  // namespace cocoon::image
