// Rego built-in functions over Json values. Arguments come from policy evaluation (untrusted
// input); a type mismatch makes the call undefined, as OPA does without strict builtin errors.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "base/json.h"

namespace cocoon::policy::rego {

using BuiltinFn = std::optional<Json> (*)(const std::vector<Json>& args);

struct Builtin {
  int arity;  // -1: variadic
  BuiltinFn fn;
};

// Why a call failed, for strict mode (OPA's --strict-builtin-errors). A builtin that returns
// nullopt for a reason other than its operand types may say why with SetBuiltinError; kind is
// "eval_builtin_error" or "eval_type_error". The evaluator clears it before each call.
struct BuiltinErrorInfo {
  std::string kind;
  std::string msg;
};
void SetBuiltinError(std::string_view kind, std::string msg);
void ClearBuiltinError();
std::optional<BuiltinErrorInfo> TakeBuiltinError();
// OPA's operand type error for `name` called with `args` ("operand 1 must be one of {array,
// object, set, string} but got null"), or nullopt when the operand types fit.
std::optional<std::string> OperandTypeError(std::string_view name, const std::vector<Json>& args);

// ---- for the implementations in builtins*.cc ----
using Args = std::vector<Json>;
using Opt = std::optional<Json>;

// The string an operand holds, or nullptr (a builtin given another type is undefined).
inline const std::string* Str(const Json& j) {
  return j.is_string() ? &j.get_ref<const std::string&>() : nullptr;
}

// f(s0, …, sN-1) when the first N operands are strings (f returns Json or Opt); undefined
// otherwise.
template <size_t N, typename F>
Opt WithStrings(const Args& a, F&& f) {
  std::array<const std::string*, N> s;
  for (size_t i = 0; i < N; ++i) {
    if (!(s[i] = Str(a[i]))) return std::nullopt;
  }
  return std::apply([&](const auto*... p) { return Opt(f(*p...)); }, s);
}

// nullptr if `name` is not a known builtin. query_reference_value is handled by the evaluator.
const Builtin* FindBuiltin(std::string_view name);

// The extended families (builtins_ext.cc), merged into FindBuiltin's table.
const std::vector<std::pair<std::string, Builtin>>& ExtBuiltins();
// String builtins by code point and sprintf (builtins_strings.cc), and the families in
// builtins_more.cc; these replace same-named entries of the tables above.
const std::vector<std::pair<std::string, Builtin>>& StringBuiltins();
const std::vector<std::pair<std::string, Builtin>>& MoreBuiltins();
// time.* with zones and Go layouts (builtins_time.cc); replaces the entries above.
const std::vector<std::pair<std::string, Builtin>>& TimeBuiltins();
// crypto.x509.* (builtins_x509.cc).
const std::vector<std::pair<std::string, Builtin>>& X509Builtins();
// array.flatten, base64url.encode, numbers.range_step, bits.lsh, json.remove, json.filter, …
// (builtins_extra.cc).
const std::vector<std::pair<std::string, Builtin>>& ExtraBuiltins();

}  // namespace cocoon::policy::rego
