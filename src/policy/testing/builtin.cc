// Built-in stand-ins for Trustee's default Rego policies. Each mirrors one .rego file in
// testdata/policy; builtin_test.cc pins their decisions to the documented cases.
#include "policy/testing/builtin.h"

#include <algorithm>

namespace cocoon::policy {
namespace {

const Json& Null() {
  static const Json n = nullptr;
  return n;
}

const Json& At(const Json& j, std::string_view key) {
  if (!j.is_object()) return Null();
  auto it = j.find(key);
  return it == j.end() ? Null() : *it;
}

enum class ResourceKind { kDefault, kAllowAll, kDenyAll, kAffirming };

// resource_default.rego's `contraindicated` or `debug_guest`: some submodule's appraisal is
// contraindicated, or its evidence says the guest allows debugging.
bool Untrustworthy(const Json& input) {
  const Json& submods = At(input, "submods");
  if (!submods.is_object()) return false;
  for (const auto& [name, sub] : submods.items()) {
    if (At(sub, "ear.status") == "contraindicated") return true;
    const Json& ev = At(sub, "ear.veraison.annotated-evidence");
    if (At(At(ev, "snp"), "policy_debug_allowed") == Json(true)) return true;
    if (At(At(At(ev, "tdx"), "td_attributes"), "debug") == Json(true)) return true;
  }
  return false;
}

class ResourcePolicy : public Policy {
 public:
  explicit ResourcePolicy(ResourceKind k) : kind_(k) {}
  Result<Json> Query(std::string_view query, const Json& input, const Json& data,
                     const ReferenceValueLookup&) const override {
    if (query != "data.policy.allow") {
      return InvalidArgument("built-in resource policy answers only data.policy.allow");
    }
    bool is_resource = At(data, "plugin") == "resource";
    switch (kind_) {
      case ResourceKind::kAllowAll:  // allow if plugin == "resource"
        return Json(is_resource);
      case ResourceKind::kDenyAll:
        return Json(false);
      case ResourceKind::kDefault: {  // ... and not input.submods.cpu0[…].sample
        const Json& sample =
            At(At(At(At(input, "submods"), "cpu0"), "ear.veraison.annotated-evidence"), "sample");
        // Rego `not x` holds when x is undefined or false.
        bool sample_present = !sample.is_null() && sample != Json(false);
        return Json(is_resource && !sample_present && !Untrustworthy(input));
      }
      case ResourceKind::kAffirming: {
        const Json& submods = At(input, "submods");
        if (!submods.is_object() || submods.empty()) return Json(false);
        for (const auto& [name, sub] : submods.items()) {
          if (At(sub, "ear.status") != "affirming") return Json(false);
        }
        return Json(true);
      }
    }
    return Json(false);
  }

 private:
  ResourceKind kind_;
};

// `x in rv` for arrays, `==` for scalars, as Trustee's policies use reference values.
bool InRv(const Json& value, const Json& rv) {
  if (value.is_null() || !rv.is_array()) return false;
  return std::find(rv.begin(), rv.end(), value) != rv.end();
}

class EarPolicy : public Policy {
 public:
  Result<Json> Query(std::string_view query, const Json& input, const Json&,
                     const ReferenceValueLookup& rv) const override {
    if (query == "data.policy.extensions") return Extensions(input);
    if (query != "data.policy.trust_claims") {
      return InvalidArgument(
          "built-in EAR policy answers data.policy.trust_claims and "
          "data.policy.extensions");
    }
    int executables = 33, hardware = 97, configuration = 36;
    const Json& sample = At(input, "sample");
    if (!sample.is_null()) {
      auto lookup = [&](std::string_view id) { return rv ? rv(id) : Json(nullptr); };
      if (InRv(At(sample, "launch_digest"), lookup("launch_digest"))) executables = 3;
      const Json& pv = At(sample, "platform_version");
      const Json major = lookup("major_version"), min_minor = lookup("minimum_minor_version");
      if (InRv(At(sample, "svn"), lookup("svn")) && At(pv, "major").is_number() &&
          At(pv, "major") == major && At(pv, "minor").is_number() && min_minor.is_number() &&
          At(pv, "minor").get<double>() >= min_minor.get<double>()) {
        hardware = 2;
      }
      if (At(sample, "debug") == Json(false)) configuration = 2;
    }
    return Json{
        {"executables", executables}, {"hardware", hardware},   {"configuration", configuration},
        {"file-system", 0},           {"instance-identity", 0}, {"runtime-opaque", 0},
        {"storage-opaque", 0},        {"sourced-data", 0}};
  }

 private:
  // ear.trustee.identifiers from the agent policy in init-data (images and UIDs).
  static Result<Json> Extensions(const Json& input) {
    Json images = Json::array(), uids = Json::array();
    const Json& containers =
        At(At(At(input, "init_data_claims"), "agent_policy_claims"), "containers");
    if (containers.is_array()) {
      for (const Json& c : containers) {
        const Json& oci = At(c, "OCI");
        const Json& img = At(At(oci, "Annotations"), "io.kubernetes.cri.image-name");
        if (img.is_string()) images.push_back(img);
        const Json& uid = At(At(At(oci, "Process"), "User"), "UID");
        if (!uid.is_null()) uids.push_back(uid);
      }
    }
    Json validated = Json::object();
    if (!images.empty()) validated["container_images"] = images;
    if (!uids.empty()) validated["container_uids"] = uids;
    return Json::array({{{"name", "ear.trustee.identifiers"},
                         {"key", -18},
                         {"value", {{"validated", validated}}}}});
  }
};

class BuiltinEngine : public PolicyEngine {
 public:
  Result<std::shared_ptr<const Policy>> Compile(std::string_view, std::string_view) const override {
    return Unimplemented(
        "Rego policies cannot be uploaded yet: this cocoon-kbs has no Rego engine; choose a "
        "built-in resource policy with [policy_engine] builtin = \"default\" | \"allow_all\" | "
        "\"deny_all\" in the config file");
  }
};

}  // namespace

Result<std::shared_ptr<const Policy>> BuiltinResourcePolicy(std::string_view name) {
  if (name == "default") return std::make_shared<ResourcePolicy>(ResourceKind::kDefault);
  if (name == "allow_all") return std::make_shared<ResourcePolicy>(ResourceKind::kAllowAll);
  if (name == "deny_all") return std::make_shared<ResourcePolicy>(ResourceKind::kDenyAll);
  if (name == "affirming") return std::make_shared<ResourcePolicy>(ResourceKind::kAffirming);
  return NotFound("unknown built-in resource policy \"" + std::string(name) +
                  "\" (expected default, allow_all, deny_all or affirming)");
}

std::shared_ptr<const Policy> BuiltinEarPolicy() { return std::make_shared<EarPolicy>(); }

std::unique_ptr<PolicyEngine> NewBuiltinEngine() { return std::make_unique<BuiltinEngine>(); }

}  // namespace cocoon::policy
