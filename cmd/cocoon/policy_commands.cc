// `cocoon policy eval`: compile Rego modules and evaluate one query over input and data files,
// as `opa eval` does. Policy, input and data files are the user's own; all are size-bounded.
#include <cstdio>
#include <iostream>
#include <iterator>

#include "base/file.h"
#include "base/json.h"
#include "cmd/cocoon/commands.h"
#include "policy/rego/parser.h"
#include "policy/rego_engine.h"

namespace cocoon::cli {
namespace {

constexpr size_t kMaxInputBytes = size_t{64} << 20;

struct EvalFlags {
  std::vector<std::string> policies;
  std::string input;
  std::string data;
  std::string query;
};

Result<std::string> ReadStdin() {
  std::string s;
  char buf[65536];
  while (size_t n = std::fread(buf, 1, sizeof buf, stdin)) {
    s.append(buf, n);
    if (s.size() > kMaxInputBytes) return ResourceExhausted("stdin: input larger than 64 MiB");
  }
  if (std::ferror(stdin)) return InvalidArgument("stdin: read error");
  return s;
}

Result<Json> ReadJsonFile(const std::string& path, std::string_view what) {
  std::string text;
  if (path == "-") {
    ASSIGN_OR_RETURN(text, ReadStdin());
  } else {
    ASSIGN_OR_RETURN(text, base::ReadFile(path, what, kMaxInputBytes));
  }
  auto j = base::ParseJson(text);
  if (!j) return InvalidArgument(path + ": " + j.error().message());
  return j;
}

// 0: printed the result; 1: compile, evaluation or file error (printed to stderr).
int RunEval(const EvalFlags& f) {
  auto fail = [](const Error& e) {
    std::fprintf(stderr, "%s\n", e.message().c_str());
    return 1;
  };
  std::vector<std::string> texts;
  for (const auto& path : f.policies) {
    auto text = base::ReadFile(path, "policy", policy::rego::kMaxSourceBytes);
    if (!text) return fail(text.error());
    texts.push_back(std::move(*text));
  }
  std::vector<policy::PolicySource> sources;
  for (size_t i = 0; i < texts.size(); ++i) sources.push_back({f.policies[i], texts[i]});
  auto compiled = policy::NewRegoEngine()->CompileModules(sources);
  if (!compiled) return fail(compiled.error());
  std::optional<Json> input;
  if (!f.input.empty()) {
    auto in = ReadJsonFile(f.input, "input");
    if (!in) return fail(in.error());
    input = std::move(*in);
  }
  Json data = Json::object();
  if (!f.data.empty()) {
    auto d = ReadJsonFile(f.data, "data");
    if (!d) return fail(d.error());
    data = std::move(*d);
  }
  auto r = (*compiled)->Evaluate(f.query, input ? &*input : nullptr, data);
  if (!r) return fail(r.error());
  Json out = {{"result", r->has_value() ? **r : Json(nullptr)}};
  if (!r->has_value()) out["undefined"] = true;
  std::printf("%s\n", base::DumpJson(out).c_str());
  return 0;
}

}  // namespace

void AddPolicyCommands(CLI::App& app, int* exit_code) {
  auto* policy = app.add_subcommand("policy", "Work with Rego policies");
  policy->require_subcommand(1);
  auto flags = std::make_shared<EvalFlags>();
  auto* eval = policy->add_subcommand(
      "eval",
      "Compile Rego modules and evaluate QUERY. Prints {\"result\": <value>} (or "
      "{\"result\": null, \"undefined\": true}) and exits 0; a compile or evaluation error is "
      "printed as file:line:col: message and exits 1; usage errors exit 2.");
  eval->add_option("--policy", flags->policies,
                   "Rego module (repeat for several; packages may span modules)")
      ->required()
      ->allow_extra_args(false);
  eval->add_option("--input", flags->input,
                   "JSON input document, '-' for stdin. Without --input, input is undefined "
                   "(as in opa eval): rules that read input are undefined, not errors");
  eval->add_option("--data", flags->data, "JSON data document (default {})");
  eval->add_option("--query", flags->query,
                   "reference to evaluate, e.g. data.policy.allow, or data.policy for the "
                   "package's whole document")
      ->required()
      ->check([](const std::string& q) -> std::string {
        auto t = policy::rego::ParseQuery(q);
        return t ? std::string() : "malformed query: " + t.error().message();
      });
  eval->callback([flags, exit_code] { *exit_code = RunEval(*flags); });
}

}  // namespace cocoon::cli
