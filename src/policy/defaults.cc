#include "policy/defaults.h"

#include <map>
#include <mutex>
#include <string>

#include "policy/rego_engine.h"

namespace cocoon::policy {
namespace internal {
extern const std::pair<std::string_view, std::string_view> kEmbeddedPolicies[];
extern const int kEmbeddedPolicyCount;
}  // namespace internal

std::string_view DefaultPolicySource(std::string_view name) {
  for (int i = 0; i < internal::kEmbeddedPolicyCount; ++i) {
    if (internal::kEmbeddedPolicies[i].first == name) return internal::kEmbeddedPolicies[i].second;
  }
  return {};
}

std::vector<std::string_view> DefaultPolicyNames() {
  std::vector<std::string_view> out;
  for (int i = 0; i < internal::kEmbeddedPolicyCount; ++i) {
    out.push_back(internal::kEmbeddedPolicies[i].first);
  }
  return out;
}

namespace {

// Compiles an embedded policy once. The sources are part of the binary and covered by tests, so
// a failure here is a build defect: reported as Internal.
Result<std::shared_ptr<const Policy>> CompileEmbedded(const std::string& stem) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Policy>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(stem);
  if (it != cache.end()) return it->second;
  std::string_view source = DefaultPolicySource(stem);
  if (source.empty()) return Internal("embedded policy " + stem + " is missing");
  auto compiled = NewRegoEngine()->Compile(stem + ".rego", source);
  if (!compiled) {
    return Internal("embedded policy does not compile: " + compiled.error().message());
  }
  cache.emplace(stem, *compiled);
  return *compiled;
}

}  // namespace

Result<std::shared_ptr<const Policy>> DefaultResourcePolicy(std::string_view name) {
  if (name != "default" && name != "allow_all" && name != "deny_all" && name != "affirming") {
    return NotFound("unknown default resource policy \"" + std::string(name) +
                    "\" (expected default, allow_all, deny_all or affirming)");
  }
  return CompileEmbedded("resource_" + std::string(name));
}

Result<std::shared_ptr<const Policy>> DefaultEarPolicy() { return CompileEmbedded("ear_cpu"); }

}  // namespace cocoon::policy
