// Strict containers-policy.json parser (containers/image semantics, fail-closed).

#include "image/signature/signature_policy.h"

#include <set>

#include "base/encoding.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"

namespace cocoon::image {
namespace {

using Type = PolicyRequirement::Type;

Status OnlyFields(const Json& obj, const std::set<std::string_view>& allowed,
                  std::string_view what) {
  for (const auto& [key, value] : obj.items()) {
    if (!allowed.contains(key)) {
      return InvalidArgument(std::string(what) + ": unknown field '" + key + "'");
    }
  }
  return Ok();
}

Result<std::string> RequiredString(const Json& obj, std::string_view key, std::string_view what) {
  auto s = base::GetString(obj, key);
  if (!s || s->empty()) {
    return InvalidArgument(std::string(what) + ": '" + std::string(key) +
                           "' must be a non-empty string");
  }
  return *s;
}

Result<SignedIdentity> ParseIdentity(const Json& j) {
  using T = SignedIdentity::Type;
  if (!j.is_object()) return InvalidArgument("signedIdentity must be an object");
  ASSIGN_OR_RETURN(std::string type, RequiredString(j, "type", "signedIdentity"));
  SignedIdentity id;
  std::string what = "signedIdentity " + type;
  if (type == "matchRepoDigestOrExact" || type == "matchExact" || type == "matchRepository") {
    TRY(OnlyFields(j, {"type"}, what));
    id.type = type == "matchExact"        ? T::kMatchExact
              : type == "matchRepository" ? T::kMatchRepository
                                          : T::kMatchRepoDigestOrExact;
  } else if (type == "exactReference") {
    TRY(OnlyFields(j, {"type", "dockerReference"}, what));
    id.type = T::kExactReference;
    ASSIGN_OR_RETURN(id.value, RequiredString(j, "dockerReference", what));
  } else if (type == "exactRepository") {
    TRY(OnlyFields(j, {"type", "dockerRepository"}, what));
    id.type = T::kExactRepository;
    ASSIGN_OR_RETURN(id.value, RequiredString(j, "dockerRepository", what));
  } else if (type == "remapIdentity") {
    TRY(OnlyFields(j, {"type", "prefix", "signedPrefix"}, what));
    id.type = T::kRemapIdentity;
    ASSIGN_OR_RETURN(id.value, RequiredString(j, "prefix", what));
    ASSIGN_OR_RETURN(id.signed_prefix, RequiredString(j, "signedPrefix", what));
  } else {
    return InvalidArgument("unknown signedIdentity type '" + type + "'");
  }
  return id;
}

Result<Bytes> DecodeKeyData(const Json& j, bool pem_text_allowed, std::string_view what) {
  if (!j.is_string() || j.get_ref<const std::string&>().empty()) {
    return InvalidArgument(std::string(what) + ": 'keyData' must be a non-empty string");
  }
  const std::string& s = j.get_ref<const std::string&>();
  if (pem_text_allowed && s.starts_with("-----BEGIN")) return ToBytes(s);
  auto decoded = base::Base64Decode(s);
  if (!decoded) return InvalidArgument(std::string(what) + ": 'keyData' is not valid base64");
  return *decoded;
}

Result<KeySource> ParseKeys(const Json& j, bool sigstore, std::string_view what) {
  KeySource keys;
  int sources = 0;
  if (j.contains("keyPath")) {
    ++sources;
    ASSIGN_OR_RETURN(std::string p, RequiredString(j, "keyPath", what));
    keys.paths.push_back(p);
  }
  if (j.contains("keyPaths")) {
    ++sources;
    const Json& arr = j["keyPaths"];
    if (!arr.is_array() || arr.empty()) {
      return InvalidArgument(std::string(what) + ": 'keyPaths' must be a non-empty array");
    }
    for (const Json& p : arr) {
      if (!p.is_string() || p.get_ref<const std::string&>().empty()) {
        return InvalidArgument(std::string(what) + ": 'keyPaths' entries must be strings");
      }
      keys.paths.push_back(p.get<std::string>());
    }
  }
  if (j.contains("keyData")) {
    ++sources;
    ASSIGN_OR_RETURN(Bytes d, DecodeKeyData(j["keyData"], sigstore, what));
    keys.data.push_back(std::move(d));
  }
  if (sources != 1) {
    return InvalidArgument(std::string(what) +
                           ": exactly one of 'keyPath', 'keyPaths', 'keyData' is required");
  }
  return keys;
}

Result<PolicyRequirement> ParseRequirement(const Json& j) {
  if (!j.is_object()) return InvalidArgument("policy requirement must be an object");
  ASSIGN_OR_RETURN(std::string type, RequiredString(j, "type", "policy requirement"));
  PolicyRequirement req;
  if (type == "insecureAcceptAnything" || type == "reject") {
    TRY(OnlyFields(j, {"type"}, type));
    req.type = type == "reject" ? Type::kReject : Type::kInsecureAcceptAnything;
    return req;
  }
  if (type == "signedBy") {
    TRY(OnlyFields(j, {"type", "keyType", "keyPath", "keyPaths", "keyData", "signedIdentity"},
                   type));
    ASSIGN_OR_RETURN(std::string key_type, RequiredString(j, "keyType", type));
    if (key_type != "GPGKeys") {
      return InvalidArgument("signedBy: unsupported keyType '" + key_type + "'");
    }
    req.type = Type::kSignedBy;
    ASSIGN_OR_RETURN(req.keys, ParseKeys(j, false, type));
  } else if (type == "sigstoreSigned") {
    // keyPaths, keyDatas, fulcio, rekorPublicKey*, pki: not verified here, so rejected.
    TRY(OnlyFields(j, {"type", "keyPath", "keyData", "signedIdentity"}, type));
    req.type = Type::kSigstoreSigned;
    ASSIGN_OR_RETURN(req.keys, ParseKeys(j, true, type));
  } else {
    return InvalidArgument("unknown policy requirement type '" + type + "'");
  }
  if (j.contains("signedIdentity")) {
    ASSIGN_OR_RETURN(req.identity, ParseIdentity(j["signedIdentity"]));
  }
  return req;
}

Result<PolicyRequirements> ParseRequirements(const Json& j, std::string_view where) {
  if (!j.is_array() || j.empty()) {
    return InvalidArgument(std::string(where) + ": must be a non-empty array of requirements");
  }
  PolicyRequirements out;
  for (const Json& r : j) {
    auto req = ParseRequirement(r);
    if (!req) return std::unexpected(req.error().WithContext(where));
    out.push_back(std::move(*req));
  }
  return out;
}

}  // namespace

Result<ContainersPolicy> ParsePolicy(std::string_view json) {
  if (json.size() > limits::kPolicyJsonMaxBytes) {
    return ResourceExhausted("policy.json is larger than " +
                             std::to_string(limits::kPolicyJsonMaxBytes) + " bytes");
  }
  ASSIGN_OR_RETURN(Json root, base::ParseJson(json));
  if (!root.is_object()) return InvalidArgument("policy.json must be a JSON object");
  TRY(OnlyFields(root, {"default", "transports"}, "policy.json"));
  if (!root.contains("default")) return InvalidArgument("policy.json: 'default' is required");
  ContainersPolicy policy;
  ASSIGN_OR_RETURN(policy.default_requirements, ParseRequirements(root["default"], "default"));
  if (!root.contains("transports")) return policy;
  const Json& transports = root["transports"];
  if (!transports.is_object())
    return InvalidArgument("policy.json: 'transports' must be an object");
  for (const auto& [transport, scopes] : transports.items()) {
    if (!scopes.is_object()) {
      return InvalidArgument("policy.json: transport '" + transport + "' must be an object");
    }
    auto& out = policy.transports[transport];
    for (const auto& [scope, reqs] : scopes.items()) {
      ASSIGN_OR_RETURN(out[scope],
                       ParseRequirements(reqs, "transports." + transport + "[\"" + scope + "\"]"));
    }
  }
  return policy;
}

Result<ContainersPolicy> LoadPolicy(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(path, "policy", limits::kPolicyJsonMaxBytes));
  auto policy = ParsePolicy(text);
  if (!policy) return std::unexpected(policy.error().WithContext(path));
  return policy;
}

}  // namespace cocoon::image
