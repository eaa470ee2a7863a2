// `cocoon policy eval`: compile Rego modules and evaluate one query over input and data files,
// as `opa eval` does; `cocoon policy test DIR` runs the test_ rules of a directory of modules,
// as `opa test` does. Policy, input and data files are the user's own; all are size-bounded.
#include <algorithm>
#include <cstdio>
#include <filesystem>
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
  std::string format = "json";
  bool strict = false;
};

struct TestFlags {
  std::string dir;
  bool verbose = false;
  bool strict = false;
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

std::string JsonResult(const std::vector<policy::Policy::Solution>& s);
std::string Pretty(const std::vector<policy::Policy::Solution>& s);

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
  auto compiled = policy::NewRegoEngine({.strict = f.strict})->CompileModules(sources);
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
  auto r = (*compiled)->QueryAll(f.query, input ? &*input : nullptr, data);
  if (!r) return fail(r.error());
  std::printf("%s\n", (f.format == "pretty" ? Pretty(*r) : JsonResult(*r)).c_str());
  return 0;
}

using Solutions = std::vector<policy::Policy::Solution>;

bool HasBindings(const Solutions& s) {
  return std::any_of(s.begin(), s.end(), [](auto& x) { return !x.bindings.empty(); });
}

// One expression without variables: {"result": value} (or null and "undefined"); otherwise
// {"result": [{"value"?: v, "bindings": {...}}, ...]}.
std::string JsonResult(const Solutions& s) {
  if (!HasBindings(s) && (s.empty() || s[0].value)) {
    Json out = {{"result", s.empty() ? Json(nullptr) : *s[0].value}};
    if (s.empty()) out["undefined"] = true;
    return base::DumpJson(out);
  }
  Json rows = Json::array();
  for (const auto& x : s) {
    Json row = {{"bindings", x.bindings}};
    if (x.value) row["value"] = *x.value;
    rows.push_back(std::move(row));
  }
  Json out = {{"result", rows}};
  if (s.empty()) out["undefined"] = true;
  return base::DumpJson(out);
}

std::string Indented(const Json& j) {
  return j.dump(2, ' ', false, Json::error_handler_t::replace);
}

// Like opa eval --format pretty: the value indented, or a table of the bindings.
std::string Pretty(const Solutions& s) {
  if (s.empty()) return "undefined";
  if (!HasBindings(s)) return s[0].value ? Indented(*s[0].value) : "true";
  std::vector<std::string> vars;
  for (const auto& x : s) {
    for (auto it = x.bindings.begin(); it != x.bindings.end(); ++it) {
      if (std::find(vars.begin(), vars.end(), it.key()) == vars.end()) vars.push_back(it.key());
    }
  }
  std::vector<std::vector<std::string>> rows = {vars};
  for (const auto& x : s) {
    std::vector<std::string> row;
    for (const auto& v : vars) {
      auto it = x.bindings.find(v);
      row.push_back(it == x.bindings.end() ? "" : base::DumpJson(*it));
    }
    rows.push_back(std::move(row));
  }
  std::vector<size_t> w(vars.size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], row[i].size());
  }
  std::string rule = "+";
  for (size_t n : w) rule += std::string(n + 2, '-') + "+";
  std::string out = rule + "\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    out += "|";
    for (size_t i = 0; i < rows[r].size(); ++i) {
      out += " " + rows[r][i] + std::string(w[i] - rows[r][i].size(), ' ') + " |";
    }
    out += "\n";
    if (r == 0) out += rule + "\n";
  }
  return out + rule;
}

// `cocoon policy test DIR`: every rule named test_* (not a function) in the .rego files under
// DIR passes when its value is true. 0: all pass; 1: a failure, an error, or no tests.
int RunTests(const TestFlags& f) {
  std::error_code ec;
  std::vector<std::string> files;
  for (auto it = std::filesystem::recursive_directory_iterator(f.dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".rego") {
      files.push_back(it->path().string());
    }
  }
  if (ec) return std::fprintf(stderr, "%s: %s\n", f.dir.c_str(), ec.message().c_str()), 1;
  std::sort(files.begin(), files.end());
  std::vector<std::string> texts;
  std::vector<std::string> tests;
  for (const auto& path : files) {
    auto text = base::ReadFile(path, "policy", policy::rego::kMaxSourceBytes);
    if (!text) return std::fprintf(stderr, "%s\n", text.error().message().c_str()), 1;
    auto mod = policy::rego::Parse(path, *text);
    if (!mod) return std::fprintf(stderr, "%s\n", mod.error().message().c_str()), 1;
    std::string pkg = "data";
    for (const auto& p : mod->package) pkg += "." + p;
    for (const auto& r : mod->rules) {
      std::string name = pkg + "." + r->name;
      if (r->name.starts_with("test_") && r->kind != policy::rego::RuleKind::kFunction &&
          std::find(tests.begin(), tests.end(), name) == tests.end()) {
        tests.push_back(name);
      }
    }
    texts.push_back(std::move(*text));
  }
  std::vector<policy::PolicySource> sources;
  for (size_t i = 0; i < texts.size(); ++i) sources.push_back({files[i], texts[i]});
  if (tests.empty()) return std::fprintf(stderr, "%s: no test_ rules found\n", f.dir.c_str()), 1;
  auto compiled = policy::NewRegoEngine({.strict = f.strict})->CompileModules(sources);
  if (!compiled) return std::fprintf(stderr, "%s\n", compiled.error().message().c_str()), 1;
  int pass = 0, failed = 0, errors = 0;
  for (const auto& t : tests) {
    auto r = (*compiled)->Evaluate(t, nullptr, Json::object());
    if (!r) {
      ++errors;
      std::printf("%s: ERROR\n  %s\n", t.c_str(), r.error().message().c_str());
    } else if (r->has_value() && **r == Json(true)) {
      ++pass;
      if (f.verbose) std::printf("%s: PASS\n", t.c_str());
    } else {
      ++failed;
      std::printf("%s: FAIL (%s)\n", t.c_str(),
                  r->has_value() ? base::DumpJson(**r).c_str() : "undefined");
    }
  }
  size_t n = tests.size();
  std::printf("%s\n", std::string(80, '-').c_str());
  if (pass) std::printf("PASS: %d/%zu\n", pass, n);
  if (failed) std::printf("FAIL: %d/%zu\n", failed, n);
  if (errors) std::printf("ERROR: %d/%zu\n", errors, n);
  return failed || errors ? 1 : 0;
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
                   "query: a reference (data.policy.allow, data.policy) or any expressions "
                   "separated by ';' (x := data.p.s[_]; x > 1), printed with their bindings")
      ->required()
      ->check([](const std::string& q) -> std::string {
        auto t = policy::rego::ParseQueryBody(q);
        return t ? std::string() : "malformed query: " + t.error().message();
      });
  eval->add_option("--format", flags->format, "json (default) or pretty")
      ->check(CLI::IsMember({"json", "pretty"}));
  eval->add_flag("--strict", flags->strict,
                 "builtin argument errors are errors (eval_type_error, eval_builtin_error), "
                 "not undefined");
  eval->callback([flags, exit_code] { *exit_code = RunEval(*flags); });

  auto tflags = std::make_shared<TestFlags>();
  auto* test = policy->add_subcommand(
      "test",
      "Run every test_ rule of the .rego files under DIR (like opa test): a test passes when its "
      "value is true. Prints failures (all with --verbose) and PASS/FAIL counts; exits 0 when "
      "all pass, 1 on a failure, an error or no tests.");
  test->add_option("dir", tflags->dir, "directory of Rego modules (searched recursively)")
      ->required();
  test->add_flag("-v,--verbose", tflags->verbose, "print passing tests too");
  test->add_flag("--strict", tflags->strict, "builtin argument errors are errors");
  test->callback([tflags, exit_code] { *exit_code = RunTests(*tflags); });
}

}  // namespace cocoon::cli
