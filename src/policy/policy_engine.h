// Policy evaluation seam. Trustee writes its policies in Rego; until cocoon's Rego interpreter
// lands, built-in policies with the same effect implement this interface.
//
//   engine->Compile(id, text) -> Policy;  policy->Query("data.policy.allow", input, data)
//   engine->CompileModules({{"a.rego", a}, {"b.rego", b}}) -> Policy;  policy->Evaluate(...)
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

  // Every solution of a query that is any expression or body ("x := data.p.s[_]; x > 1"):
  // `value` is the expression's value when the query is one expression (else nullopt),
  // `bindings` maps the query's variables to their values. At most `max` solutions.
  // Unimplemented for engines that evaluate references only.
  struct Solution {
    std::optional<Json> value;
    Json bindings;
  };
  virtual Result<std::vector<Solution>> QueryAll(std::string_view query, const Json* input,
                                                 const Json& data, size_t max = 10000) const {
    (void)query, (void)input, (void)data, (void)max;
    return Unimplemented("this policy engine evaluates references only");
  }

  // Like Query, but tells undefined (nullopt) from a rule whose value is JSON null. `input`
  // nullptr means input is undefined (references to it are undefined). Engines that cannot
  // tell the two apart inherit this default, which reads null as undefined.
  virtual Result<std::optional<Json>> Evaluate(std::string_view query, const Json* input,
                                               const Json& data,
                                               const ReferenceValueLookup& rv = {}) const {
    ASSIGN_OR_RETURN(Json v, Query(query, input ? *input : Json(), data, rv));
    if (v.is_null()) return std::optional<Json>();
    return std::optional<Json>(std::move(v));
  }
};

// One source file of a policy; `id` names the file in error positions.
struct PolicySource {
  std::string_view id;
  std::string_view text;
};

class PolicyEngine {
 public:
  virtual ~PolicyEngine() = default;
  // Compiles policy source. InvalidArgument with line:column for malformed policies;
  // Unimplemented if this engine cannot compile source at all.
  virtual Result<std::shared_ptr<const Policy>> Compile(std::string_view id,
                                                        std::string_view source) const = 0;

  // Compiles a policy made of several modules (each with its own package; a package may span
  // modules). Errors as Compile, naming the module's id. This default handles one module only
  // (InvalidArgument for none, Unimplemented for several).
  virtual Result<std::shared_ptr<const Policy>> CompileModules(
      std::span<const PolicySource> sources) const {
    if (sources.empty()) return InvalidArgument("policy has no modules");
    if (sources.size() > 1) return Unimplemented("engine compiles one module per policy");
    return Compile(sources[0].id, sources[0].text);
  }
};

}  // namespace cocoon::policy
