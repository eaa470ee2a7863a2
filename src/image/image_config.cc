// Image config parsing (OCI image-spec config.md; Docker's container image JSON has the same
// fields we read). The config blob is digest-checked before parsing but otherwise untrusted.
#include "base/limits.h"
#include "image/manifest.h"

namespace cocoon::image {
namespace {

Result<std::vector<std::string>> Strings(const Json& obj, std::string_view key) {
  std::vector<std::string> out;
  ASSIGN_OR_RETURN(const Json* a, base::FindField(obj, key));
  if (a == nullptr || a->is_null()) return out;
  if (!a->is_array()) return InvalidArgument("config." + std::string(key) + ": not an array");
  for (const Json& v : *a) {
    if (!v.is_string()) {
      return InvalidArgument("config." + std::string(key) + ": element is not a string");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Status ParseRuntime(const Json& root, ImageConfig* c) {
  ASSIGN_OR_RETURN(const Json* rc, base::FindField(root, "config"));
  if (rc == nullptr || rc->is_null()) return Ok();
  if (!rc->is_object()) return InvalidArgument("image config: \"config\" is not an object");
  ASSIGN_OR_RETURN(c->entrypoint, Strings(*rc, "Entrypoint"));
  ASSIGN_OR_RETURN(c->cmd, Strings(*rc, "Cmd"));
  ASSIGN_OR_RETURN(c->env, Strings(*rc, "Env"));
  ASSIGN_OR_RETURN(c->working_dir, base::GetStringOr(*rc, "WorkingDir", ""));
  ASSIGN_OR_RETURN(c->user, base::GetStringOr(*rc, "User", ""));
  return Ok();
}

}  // namespace

Result<ImageConfig> ParseImageConfig(ByteSpan bytes) {
  if (bytes.size() > limits::kImageConfigMaxBytes) {
    return ResourceExhausted("image config is " + std::to_string(bytes.size()) +
                             " bytes, over the limit of " +
                             std::to_string(limits::kImageConfigMaxBytes));
  }
  auto parsed = base::ParseJson(bytes);
  if (!parsed) return std::unexpected(parsed.error().WithContext("image config"));
  if (!parsed->is_object()) return InvalidArgument("image config: not a JSON object");
  ImageConfig c;
  ASSIGN_OR_RETURN(c.os, base::GetString(*parsed, "os"));
  ASSIGN_OR_RETURN(c.architecture, base::GetString(*parsed, "architecture"));
  ASSIGN_OR_RETURN(c.variant, base::GetStringOr(*parsed, "variant", ""));
  ASSIGN_OR_RETURN(const Json* rootfs, base::GetObject(*parsed, "rootfs"));
  ASSIGN_OR_RETURN(std::string type, base::GetString(*rootfs, "type"));
  if (type != "layers") return InvalidArgument("image config: rootfs.type is '" + type + "'");
  ASSIGN_OR_RETURN(std::vector<std::string> ids, Strings(*rootfs, "diff_ids"));
  for (const std::string& id : ids) {
    auto d = Digest::Parse(id);
    if (!d) return std::unexpected(d.error().WithContext("image config rootfs.diff_ids"));
    c.diff_ids.push_back(std::move(*d));
  }
  TRY(ParseRuntime(*parsed, &c));
  c.raw = std::move(*parsed);
  return c;
}

}  // namespace cocoon::image
