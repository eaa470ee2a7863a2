#include "guest/kbs_key_provider.h"

namespace cocoon::guest {

Result<crypto::SecretBytes> KbsKeyProvider::GetKey(std::string_view kid) {
  ASSIGN_OR_RETURN(std::string path, image::KidResourcePath(kid));
  std::lock_guard lock(mu_);
  auto key = client_->GetResource("kbs:///" + path);
  if (!key) return std::unexpected(key.error().WithContext("image key " + std::string(kid)));
  return key;
}

}  // namespace cocoon::guest
