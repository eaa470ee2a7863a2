// Rego PolicyEngine: parse + compile once, evaluate per query with a fresh Evaluator.
#include "policy/rego_engine.h"

#include "policy/rego/compile.h"
#include "policy/rego/eval.h"
#include "policy/rego/parser.h"
#include "policy/rego/value.h"

namespace cocoon::policy {
namespace {

class RegoPolicy : public Policy {
 public:
  explicit RegoPolicy(rego::CompiledPolicy p) : p_(std::move(p)) {}

  Result<Json> Query(std::string_view query, const Json& input, const Json& data,
                     const ReferenceValueLookup& rv) const override {
    ASSIGN_OR_RETURN(auto v, Evaluate(query, &input, data, rv));
    return v ? std::move(*v) : Json(nullptr);
  }

  Result<std::optional<Json>> Evaluate(std::string_view query, const Json* input, const Json& data,
                                       const ReferenceValueLookup& rv) const override {
    ASSIGN_OR_RETURN(auto q, rego::ParseQuery(query));
    rego::Evaluator ev(p_, input, data, rv);
    ASSIGN_OR_RETURN(auto v, ev.Query(*q));
    if (v && rego::NeedsToJson(*v)) v = rego::ToJson(*v);
    return v;
  }

  Result<std::vector<Solution>> QueryAll(std::string_view query, const Json* input,
                                         const Json& data, size_t max) const override {
    ASSIGN_OR_RETURN(auto body, rego::ParseQueryBody(query));
    ASSIGN_OR_RETURN(auto q, rego::CompileQuery(p_, std::move(body)));
    ReferenceValueLookup none;
    rego::Evaluator ev(p_, input, data, none);
    std::vector<Solution> out;
    TRY(ev.Solutions(*q, [&](const std::optional<Json>& v, Json b) -> Status {
      if (out.size() >= max)
        return ResourceExhausted("query has more than " + std::to_string(max) + " solutions");
      out.push_back({v, std::move(b)});
      return Ok();
    }));
    return out;
  }

 private:
  rego::CompiledPolicy p_;
};

class RegoEngine : public PolicyEngine {
 public:
  explicit RegoEngine(RegoOptions o) : options_(o) {}

  Result<std::shared_ptr<const Policy>> Compile(std::string_view id,
                                                std::string_view source) const override {
    PolicySource one{id, source};
    return CompileModules(std::span<const PolicySource>(&one, 1));
  }

  Result<std::shared_ptr<const Policy>> CompileModules(
      std::span<const PolicySource> sources) const override {
    if (sources.empty()) return InvalidArgument("policy has no modules");
    if (sources.size() > kMaxModules) {
      return InvalidArgument("policy has more than " + std::to_string(kMaxModules) + " modules");
    }
    std::vector<rego::Module> mods;
    for (const PolicySource& s : sources) {
      ASSIGN_OR_RETURN(auto mod, rego::Parse(s.id, s.text));
      mods.push_back(std::move(mod));
    }
    ASSIGN_OR_RETURN(auto cp, rego::CompilePolicy(std::move(mods)));
    cp.strict = options_.strict;
    return std::make_shared<const RegoPolicy>(std::move(cp));
  }

 private:
  static constexpr size_t kMaxModules = 256;
  RegoOptions options_;
};

}  // namespace

std::unique_ptr<PolicyEngine> NewRegoEngine(RegoOptions options) {
  return std::make_unique<RegoEngine>(options);
}

}  // namespace cocoon::policy
