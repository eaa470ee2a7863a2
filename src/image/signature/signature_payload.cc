// Simple-signing payload parser and writer.

#include "image/signature/signature_payload.h"

#include <set>

#include "base/json.h"

namespace cocoon::image {
namespace {

Status ExactMembers(const Json& obj, const std::set<std::string_view>& want,
                    std::string_view what) {
  if (!obj.is_object())
    return InvalidArgument("signature payload: " + std::string(what) + " must be an object");
  for (const auto& [key, value] : obj.items()) {
    if (!want.contains(key)) {
      return InvalidArgument("signature payload: unexpected member '" + key + "' in " +
                             std::string(what));
    }
  }
  for (std::string_view key : want) {
    if (!obj.contains(key)) {
      return InvalidArgument("signature payload: missing '" + std::string(key) + "' in " +
                             std::string(what));
    }
  }
  return Ok();
}

Result<std::string> StringMember(const Json& obj, std::string_view key, std::string_view what) {
  const Json& v = obj[std::string(key)];
  if (!v.is_string()) {
    return InvalidArgument("signature payload: " + std::string(what) + "." + std::string(key) +
                           " must be a string");
  }
  return v.get<std::string>();
}

Status ParseOptional(const Json& opt, bool null_allowed, SignaturePayload& out) {
  if (opt.is_null() && null_allowed) return Ok();
  if (!opt.is_object()) return InvalidArgument("signature payload: optional must be an object");
  if (opt.contains("creator")) {
    ASSIGN_OR_RETURN(out.creator, StringMember(opt, "creator", "optional"));
  }
  if (opt.contains("timestamp")) {
    const Json& t = opt["timestamp"];
    if (!t.is_number_integer()) {
      return InvalidArgument("signature payload: optional.timestamp must be an integer");
    }
    out.timestamp = t.get<int64_t>();
  }
  return Ok();
}

}  // namespace

Result<SignaturePayload> ParseSignaturePayload(ByteSpan payload, std::string_view expected_type) {
  ASSIGN_OR_RETURN(Json root, base::ParseJson(payload));
  TRY(ExactMembers(root, {"critical", "optional"}, "the top level"));
  const Json& critical = root["critical"];
  TRY(ExactMembers(critical, {"type", "image", "identity"}, "critical"));
  SignaturePayload out;
  ASSIGN_OR_RETURN(out.type, StringMember(critical, "type", "critical"));
  if (out.type != expected_type) {
    return InvalidArgument("signature payload: critical.type is '" + out.type + "', expected '" +
                           std::string(expected_type) + "'");
  }
  const Json& image = critical["image"];
  TRY(ExactMembers(image, {"docker-manifest-digest"}, "critical.image"));
  ASSIGN_OR_RETURN(out.manifest_digest,
                   StringMember(image, "docker-manifest-digest", "critical.image"));
  const Json& identity = critical["identity"];
  TRY(ExactMembers(identity, {"docker-reference"}, "critical.identity"));
  ASSIGN_OR_RETURN(out.docker_reference,
                   StringMember(identity, "docker-reference", "critical.identity"));
  TRY(ParseOptional(root["optional"], expected_type == kCosignSignatureType, out));
  return out;
}

Bytes BuildSignaturePayload(std::string_view type, std::string_view docker_reference,
                            std::string_view manifest_digest, int64_t timestamp) {
  // Keys in the order skopeo writes them (sorted), so byte-for-byte comparisons are stable.
  OrderedJson critical;
  critical["identity"]["docker-reference"] = docker_reference;
  critical["image"]["docker-manifest-digest"] = manifest_digest;
  critical["type"] = type;
  OrderedJson root;
  root["critical"] = std::move(critical);
  if (type == kCosignSignatureType) {
    root["optional"] = nullptr;
  } else {
    root["optional"]["creator"] = "cocoon";
    root["optional"]["timestamp"] = timestamp;
  }
  return ToBytes(base::DumpJson(root));
}

}  // namespace cocoon::image
