#include "guest/kbs_key_provider.h"

#include "podproto/podproto.h"

namespace cocoon::guest {

Result<crypto::SecretBytes> KbsKeyProvider::GetKey(std::string_view kid) {
  ASSIGN_OR_RETURN(std::string path, image::KidResourcePath(kid));
  std::lock_guard lock(mu_);
  if (client_->TokenExpired()) {
    auto token = client_->Attest();
    if (!token)
      return std::unexpected(
          token.error().WithContext("attestation for image key " + std::string(kid)));
    if (progress_) {
      progress_(podproto::StepLine(
          podproto::Step::kAttestation,
          std::string(client_->tee()) + " evidence accepted by the KBS, token received"));
    }
  }
  auto key = client_->GetResource("kbs:///" + path);
  if (!key) return std::unexpected(key.error().WithContext("image key " + std::string(kid)));
  if (progress_) {
    progress_(podproto::StepLine(podproto::Step::kKeyReleased,
                                 std::string(kid) + " (" + std::to_string(key->size()) +
                                     " bytes, encrypted to the guest's TEE key)"));
  }
  return key;
}

}  // namespace cocoon::guest
