// Reference Value Provider Service (built in): register RVPS messages
// {"version":"0.1.0","type":"sample","payload":"<std base64 JSON object>"[,"expiration":RFC3339]}
// and query values by name, stored in KV namespace "reference_value" as Trustee stores them
// ({"version","name","expiration","value"}). Unlike Trustee, expiry is enforced: an expired value
// reads as absent, so a policy that needs it stops affirming.
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

  // Registers every value in an RVPS message. Values expire at the message's optional
  // "expiration" (a cocoon extension; RFC 3339, must be after `now`) or, as in Trustee, 12
  // months after `now`. InvalidArgument for a wrong version ("Version unmatched! Need 0.1.0,
  // given …"), unknown type (only "sample" exists yet), a malformed payload or expiration.
  // Returns the names registered.
  Result<std::vector<std::string>> Register(std::string_view message_json, int64_t now);
  // The stored value, or null if absent or expired at `now`.
  Result<Json> Query(std::string_view name, int64_t now) const;
  // The full stored record {"version","name","expiration","value"}; NotFound if absent.
  Result<Json> Get(std::string_view name) const;
  Result<std::vector<std::string>> List() const;
  // Every stored record, sorted by name, each with "expired": bool at `now`.
  Result<Json> ListRecords(int64_t now) const;
  // NotFound if absent.
  Status Delete(std::string_view name);

 private:
  KvStore* store_;
};

}  // namespace cocoon::kbs
