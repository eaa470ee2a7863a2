// rego_conformance_driver: the evaluation half of scripts/opa-conformance. Reads one test case
// per line on stdin (JSON: modules, query, data, input or input_term, strict) and writes one
// JSON line per case: {"results": [bindings, ...]} or {"error": "<message>"}. Comparing the
// answers with OPA's expectations is the script's job, so this program only runs cocoon's
// interpreter; it reads no files and keeps nothing between cases.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "base/json.h"
#include "policy/rego/compile.h"
#include "policy/rego/eval.h"
#include "policy/rego/parser.h"
#include "policy/rego_engine.h"

namespace cocoon::policy {
namespace {

Json Fail(const std::string& msg) { return Json{{"error", msg}}; }

// An input written as a Rego term (input_term), kept in the interpreter's own representation
// so sets stay sets: the value of `v := <term>`.
Result<Json> InputTerm(const std::string& term) {
  ASSIGN_OR_RETURN(auto mod, rego::Parse("input_term.rego", "package __input_term\nv := " + term));
  std::vector<rego::Module> mods;
  mods.push_back(std::move(mod));
  ASSIGN_OR_RETURN(auto cp, rego::CompilePolicy(std::move(mods)));
  ASSIGN_OR_RETURN(auto q, rego::ParseQuery("data.__input_term.v"));
  Json none = Json::object();
  ReferenceValueLookup rv;
  rego::Evaluator ev(cp, nullptr, none, rv);
  ASSIGN_OR_RETURN(auto v, ev.Query(*q));
  if (!v) return InvalidArgument("input_term: undefined");
  return *v;
}

Json RunCase(const Json& c) {
  std::vector<std::string> texts;
  std::vector<std::string> ids;
  if (c.contains("modules") && c["modules"].is_array()) {
    for (const Json& m : c["modules"]) {
      if (!m.is_string()) return Fail("driver: module is not a string");
      ids.push_back("test-" + std::to_string(texts.size()) + ".rego");
      texts.push_back(m.get<std::string>());
    }
  }
  if (texts.empty()) {  // a query without modules still needs a policy to run in
    ids.push_back("empty.rego");
    texts.push_back("package __empty__\n");
  }
  std::vector<PolicySource> sources;
  for (size_t i = 0; i < texts.size(); ++i) sources.push_back({ids[i], texts[i]});
  bool strict = c.value("strict", false);
  auto compiled = NewRegoEngine({.strict = strict})->CompileModules(sources);
  if (!compiled) return Fail(compiled.error().message());

  std::optional<Json> input;
  if (c.contains("input_term") && c["input_term"].is_string()) {
    auto in = InputTerm(c["input_term"].get<std::string>());
    if (!in) return Fail(in.error().message());
    input = std::move(*in);
  } else if (c.contains("input")) {
    input = c["input"];
  }
  Json data = c.contains("data") && c["data"].is_object() ? c["data"] : Json::object();
  auto r = (*compiled)->QueryAll(c.value("query", ""), input ? &*input : nullptr, data);
  if (!r) return Fail(r.error().message());
  Json rows = Json::array();
  for (const auto& s : *r) rows.push_back(s.bindings.is_null() ? Json::object() : s.bindings);
  return Json{{"results", rows}};
}

int Main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    auto c = base::ParseJson(line);
    Json out = c ? RunCase(*c) : Fail("driver: case is not JSON: " + c.error().message());
    std::string text = out.dump(-1, ' ', false, Json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace cocoon::policy

int main() { return cocoon::policy::Main(); }
