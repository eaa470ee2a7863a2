// Reference Value Provider Service (minimal, built in): register RVPS messages
// {"version":"0.1.0","type":"sample","payload":"<std base64 JSON object>"} and query values by
// name, stored in KV namespace "reference_value" as Trustee stores them
// ({"version","name","expiration","value"}).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "kbs/kv_store.h"

namespace cocoon::kbs {

class ReferenceValueStore {
 public:
  explicit ReferenceValueStore(KvStore* store) : store_(store) {}

  // Registers every value in an RVPS message. InvalidArgument for a wrong version
  // ("Version unmatched! Need 0.1.0, given …"), unknown type (only "sample" exists yet) or a
  // malformed payload. Returns the names registered.
  Result<std::vector<std::string>> Register(std::string_view message_json, int64_t now);
  // The stored value, or null if absent (expiry is recorded, not enforced, as in Trustee).
  Result<Json> Query(std::string_view name) const;
  // The full stored record {"version","name","expiration","value"}; NotFound if absent.
  Result<Json> Get(std::string_view name) const;
  Result<std::vector<std::string>> List() const;

 private:
  KvStore* store_;
};

}  // namespace cocoon::kbs
