// Bundle config and annotations (see bundle.h).
#include "shim/bundle.h"

#include "base/encoding.h"
#include "base/file.h"
#include "base/json.h"
#include "initdata/annotation.h"

namespace cocoon::shim {
namespace {

Result<std::vector<std::string>> StringArray(const Json& obj, std::string_view key,
                                             std::string_view where) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array())
    return InvalidArgument(std::string(where) + "." + std::string(key) + " is not an array");
  for (const auto& v : *it) {
    if (!v.is_string()) {
      return InvalidArgument(std::string(where) + "." + std::string(key) +
                             " holds a value that is not a string");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

Result<BundleSpec> ParseBundleSpec(std::string_view config_json, const std::string& task_id) {
  auto parsed = base::ParseJson(config_json);
  if (!parsed) return std::unexpected(parsed.error().WithContext("config.json"));
  const Json& spec = *parsed;
  if (!spec.is_object()) return InvalidArgument("config.json is not a JSON object");
  BundleSpec out;
  if (auto it = spec.find("annotations"); it != spec.end() && !it->is_null()) {
    if (!it->is_object()) return InvalidArgument("config.json: annotations is not an object");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) {
        return InvalidArgument("config.json: annotation " + k + " is not a string");
      }
      out.annotations[k] = v.get<std::string>();
    }
  }
  if (auto it = spec.find("process"); it != spec.end() && !it->is_null()) {
    if (!it->is_object()) return InvalidArgument("config.json: process is not an object");
    ASSIGN_OR_RETURN(out.args, StringArray(*it, "args", "process"));
    ASSIGN_OR_RETURN(out.env, StringArray(*it, "env", "process"));
    ASSIGN_OR_RETURN(out.cwd, base::GetStringOr(*it, "cwd", ""));
    if (auto t = it->find("terminal"); t != it->end() && !t->is_null()) {
      if (!t->is_boolean()) return InvalidArgument("config.json: process.terminal is not a bool");
      out.terminal = t->get<bool>();
    }
  }
  ASSIGN_OR_RETURN(out.hostname, base::GetStringOr(spec, "hostname", ""));
  if (auto linux = spec.find("linux"); linux != spec.end() && linux->is_object()) {
    if (auto nss = linux->find("namespaces"); nss != linux->end() && !nss->is_null()) {
      if (!nss->is_array()) return InvalidArgument("config.json: linux.namespaces is not an array");
      for (const auto& ns : *nss) {
        if (!ns.is_object()) return InvalidArgument("config.json: a linux.namespaces entry is not an object");
        ASSIGN_OR_RETURN(std::string type, base::GetStringOr(ns, "type", ""));
        if (type != "network") continue;
        ASSIGN_OR_RETURN(out.netns, base::GetStringOr(ns, "path", ""));
        if (!out.netns.empty() && out.netns[0] != '/') {
          return InvalidArgument("config.json: the network namespace path is not absolute");
        }
      }
    }
  }

  auto annotation = [&](std::string_view key) -> std::string {
    auto it = out.annotations.find(std::string(key));
    return it == out.annotations.end() ? "" : it->second;
  };
  std::string type = annotation(kContainerTypeAnnotation);
  if (type == "sandbox") {
    out.kind = TaskKind::kSandbox;
    out.group = task_id;
    return out;
  }
  if (type == "container") {
    out.kind = TaskKind::kPodContainer;
    out.group = annotation(kSandboxIdAnnotation);
    if (out.group.empty()) {
      return InvalidArgument("config.json: a pod container without the annotation " +
                             std::string(kSandboxIdAnnotation));
    }
  } else if (type.empty()) {
    out.kind = TaskKind::kSingle;
    out.group = task_id;
  } else {
    return InvalidArgument("config.json: unknown " + std::string(kContainerTypeAnnotation) + " '" +
                           type + "' (sandbox or container)");
  }
  out.image = annotation(kImageNameAnnotation);
  if (out.image.empty()) out.image = annotation(kCocoonImageAnnotation);
  if (out.image.empty()) {
    return InvalidArgument("config.json: no image to pull in the guest (annotation " +
                           std::string(kImageNameAnnotation) + " or " +
                           std::string(kCocoonImageAnnotation) + ")");
  }
  return out;
}

Result<BundleSpec> ReadBundleSpec(const std::string& bundle, const std::string& task_id) {
  ASSIGN_OR_RETURN(std::string text,
                   base::ReadFile(bundle + "/config.json", "bundle config", kMaxBundleConfigBytes));
  auto spec = ParseBundleSpec(text, task_id);
  if (!spec) return std::unexpected(spec.error().WithContext("bundle " + bundle));
  return spec;
}

Result<std::string> InitDataFromAnnotations(const std::map<std::string, std::string>& annotations) {
  for (std::string_view key : {kKataInitDataAnnotation, kCocoonInitDataAnnotation}) {
    auto it = annotations.find(std::string(key));
    if (it == annotations.end() || it->second.empty()) continue;
    // CoCo's annotation is always gzip'd; cocoon's may be plain.
    auto toml = initdata::DecodeAnnotation(it->second, key == kCocoonInitDataAnnotation);
    if (!toml) return std::unexpected(toml.error().WithContext("annotation " + std::string(key)));
    return toml;
  }
  return std::string();
}

}  // namespace cocoon::shim
