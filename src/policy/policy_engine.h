// Policy evaluation seam. Trustee writes its policies in Rego; until cocoon's Rego interpreter
// lands, built-in policies with the same effect implement this interface.
//
//   engine->Compile(id, text) -> Policy;  policy->Query("data.policy.allow", input, data)
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json.h"

namespace cocoon::policy {

// Hook for policies that call query_reference_value(id); returns the value or null.
using ReferenceValueLookup = std::function<Json(std::string_view id)>;

class Policy {
 public:
  virtual ~Policy() = default;
  // Evaluates `query` (e.g. "data.policy.allow"). Returns the value, or a null Json when the
  // rule is undefined. InvalidArgument for queries the policy cannot answer.
  virtual Result<Json> Query(std::string_view query, const Json& input, const Json& data,
                             const ReferenceValueLookup& rv = {}) const = 0;
};

class PolicyEngine {
 public:
  virtual ~PolicyEngine() = default;
  // Compiles policy source. InvalidArgument with line:column for malformed policies;
  // Unimplemented if this engine cannot compile source at all.
  virtual Result<std::shared_ptr<const Policy>> Compile(std::string_view id,
                                                        std::string_view source) const = 0;
};

}  // namespace cocoon::policy
