// Rego PolicyEngine: parse + compile once, evaluate per query with a fresh Evaluator.
#include "policy/rego_engine.h"

#include "policy/rego/eval.h"
#include "policy/rego/parser.h"

namespace cocoon::policy {
namespace {

class RegoPolicy : public Policy {
 public:
  explicit RegoPolicy(rego::CompiledModule m) : m_(std::move(m)) {}

  Result<Json> Query(std::string_view query, const Json& input, const Json& data,
                     const ReferenceValueLookup& rv) const override {
    ASSIGN_OR_RETURN(auto q, rego::ParseQuery(query));
    rego::Evaluator ev(m_, input, data, rv);
    ASSIGN_OR_RETURN(auto v, ev.Query(*q));
    return v ? std::move(*v) : Json(nullptr);
  }

 private:
  rego::CompiledModule m_;
};

class RegoEngine : public PolicyEngine {
 public:
  Result<std::shared_ptr<const Policy>> Compile(std::string_view id,
                                                std::string_view source) const override {
    ASSIGN_OR_RETURN(auto mod, rego::Parse(id, source));
    ASSIGN_OR_RETURN(auto cm, rego::CompileModule(std::move(mod)));
    return std::make_shared<const RegoPolicy>(std::move(cm));
  }
};

}  // namespace

std::unique_ptr<PolicyEngine> NewRegoEngine() { return std::make_unique<RegoEngine>(); }

}  // namespace cocoon::policy
