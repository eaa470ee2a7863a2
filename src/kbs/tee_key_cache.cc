// TEE public-key cache.
#include "kbs/tee_key_cache.h"

#include "jose/jwk.h"

namespace cocoon::kbs {

Result<crypto::PublicKey> TeeKeyCache::Get(const Json& jwk) {
  std::string text = base::DumpJson(jwk);
  {
    std::lock_guard lock(mu_);
    auto it = keys_.find(text);
    if (it != keys_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(crypto::PublicKey key, jose::PublicKeyFromJwk(jwk));
  std::lock_guard lock(mu_);
  if (keys_.emplace(text, key).second) {
    order_.push_back(std::move(text));
    while (order_.size() > capacity_) {
      keys_.erase(order_.front());
      order_.pop_front();
    }
  }
  return key;
}

}  // namespace cocoon::kbs
