// TEE names and the verifier registry.
#include "tee/tee.h"

#include <array>

namespace cocoon::tee {

bool IsKnownTee(std::string_view name) {
  static constexpr std::array<std::string_view, 14> kTees = {
      "az-snp-vtpm", "az-tdx-vtpm", "nvidia",   "sgx", "snp",    "tdx",          "cca",
      "csv",         "se",          "hygondcu", "tpm", "sample", "sampledevice", "nvidia-dpu"};
  for (auto t : kTees) {
    if (t == name) return true;
  }
  return false;
}

void VerifierRegistry::Register(std::string tee, std::unique_ptr<Verifier> verifier) {
  refused_.erase(tee);
  verifiers_[std::move(tee)] = std::move(verifier);
}

void VerifierRegistry::Refuse(std::string tee, std::string reason) {
  verifiers_.erase(tee);
  refused_[std::move(tee)] = std::move(reason);
}

Result<const Verifier*> VerifierRegistry::Get(std::string_view tee) const {
  if (auto r = refused_.find(tee); r != refused_.end()) return PermissionDenied(r->second);
  auto it = verifiers_.find(tee);
  if (it == verifiers_.end()) {
    return NotFound("no verifier for TEE \"" + std::string(tee) + "\" is enabled in this build");
  }
  return it->second.get();
}

std::vector<std::string> VerifierRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : verifiers_) out.push_back(k);
  return out;
}

}  // namespace cocoon::tee
