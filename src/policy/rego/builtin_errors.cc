// Why a builtin call failed, in OPA's words (see builtins.h): the operand type table written
// from OPA's builtin reference, and the detail a builtin leaves for its other failures.
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/rego/builtins.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {
namespace {

thread_local std::optional<BuiltinErrorInfo> last_error;

// Operand specs: a type name, "a|b|c" (one of), "any", "int" (integer number) or "uint"
// (non-negative integer number).
const std::map<std::string, std::vector<std::string>, std::less<>>& Signatures() {
  static const auto* table = new std::map<std::string, std::vector<std::string>, std::less<>>{
      {"abs", {"number"}},
      {"array.concat", {"array", "array"}},
      {"array.flatten", {"array"}},
      {"array.reverse", {"array"}},
      {"array.slice", {"array", "number", "number"}},
      {"base64.decode", {"string"}},
      {"base64.encode", {"string"}},
      {"base64url.decode", {"string"}},
      {"base64url.encode", {"string"}},
      {"base64url.encode_no_pad", {"string"}},
      {"bits.and", {"int", "int"}},
      {"bits.lsh", {"int", "uint"}},
      {"bits.negate", {"int"}},
      {"bits.or", {"int", "int"}},
      {"bits.rsh", {"int", "uint"}},
      {"bits.xor", {"int", "int"}},
      {"ceil", {"number"}},
      {"concat", {"string", "set|array"}},
      {"contains", {"string", "string"}},
      {"count", {"array|object|set|string"}},
      {"crypto.hmac.equal", {"string", "string"}},
      {"crypto.hmac.md5", {"string", "string"}},
      {"crypto.hmac.sha1", {"string", "string"}},
      {"crypto.hmac.sha256", {"string", "string"}},
      {"crypto.hmac.sha512", {"string", "string"}},
      {"crypto.md5", {"string"}},
      {"crypto.sha1", {"string"}},
      {"crypto.sha256", {"string"}},
      {"crypto.x509.parse_and_verify_certificates", {"string"}},
      {"crypto.x509.parse_certificate_request", {"string"}},
      {"crypto.x509.parse_certificates", {"string"}},
      {"endswith", {"string", "string"}},
      {"floor", {"number"}},
      {"format_int", {"number", "number"}},
      {"graph.reachable", {"object", "set|array"}},
      {"graph.reachable_paths", {"object", "set|array"}},
      {"hex.decode", {"string"}},
      {"hex.encode", {"string"}},
      {"indexof", {"string", "string"}},
      {"indexof_n", {"string", "string"}},
      {"intersection", {"set"}},
      {"json.filter", {"object", "set|array"}},
      {"json.patch", {"any", "array"}},
      {"json.remove", {"object", "set|array"}},
      {"json.unmarshal", {"string"}},
      {"lower", {"string"}},
      {"max", {"set|array"}},
      {"min", {"set|array"}},
      {"net.cidr_contains", {"string", "string"}},
      {"numbers.range", {"int", "int"}},
      {"numbers.range_step", {"int", "int", "int"}},
      {"object.filter", {"object", "object|set|array"}},
      {"object.get", {"object", "any", "any"}},
      {"object.keys", {"object"}},
      {"object.remove", {"object", "object|set|array"}},
      {"object.union", {"object", "object"}},
      {"object.union_n", {"array"}},
      {"product", {"set|array"}},
      {"re_match", {"string", "string"}},
      {"regex.find_all_string_submatch_n", {"string", "string", "number"}},
      {"regex.find_n", {"string", "string", "number"}},
      {"regex.match", {"string", "string"}},
      {"regex.replace", {"string", "string", "string"}},
      {"regex.split", {"string", "string"}},
      {"replace", {"string", "string", "string"}},
      {"round", {"number"}},
      {"semver.compare", {"string", "string"}},
      {"sort", {"array|set"}},
      {"split", {"string", "string"}},
      {"sprintf", {"string", "array"}},
      {"startswith", {"string", "string"}},
      {"strings.any_prefix_match", {"string|set|array", "string|set|array"}},
      {"strings.any_suffix_match", {"string|set|array", "string|set|array"}},
      {"strings.count", {"string", "string"}},
      {"strings.replace_n", {"object", "string"}},
      {"strings.reverse", {"string"}},
      {"substring", {"string", "number", "number"}},
      {"sum", {"set|array"}},
      {"time.add_date", {"number", "number", "number", "number"}},
      {"time.clock", {"number|array"}},
      {"time.date", {"number|array"}},
      {"time.diff", {"number|array", "number|array"}},
      {"time.format", {"number|array"}},
      {"time.parse_duration_ns", {"string"}},
      {"time.parse_ns", {"string", "string"}},
      {"time.parse_rfc3339_ns", {"string"}},
      {"time.weekday", {"number|array"}},
      {"to_number", {"null|boolean|number|string"}},
      {"trim", {"string", "string"}},
      {"trim_left", {"string", "string"}},
      {"trim_prefix", {"string", "string"}},
      {"trim_right", {"string", "string"}},
      {"trim_space", {"string"}},
      {"trim_suffix", {"string", "string"}},
      {"union", {"set"}},
      {"units.parse", {"string"}},
      {"units.parse_bytes", {"string"}},
      {"upper", {"string"}},
  };
  return *table;
}

bool IsIntegral(const Json& v) {
  if (v.is_number_integer()) return true;
  double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

// The message for one operand, or nullopt when it fits `spec`.
std::optional<std::string> CheckOperand(const std::string& spec, const Json& v) {
  std::string got = TypeNameOf(v);
  if (spec == "any") return std::nullopt;
  if (spec == "int" || spec == "uint") {
    if (!v.is_number()) return "must be number but got " + got;
    if (!IsIntegral(v)) return "must be integer number but got floating-point number";
    if (spec == "uint" && v.get<double>() < 0) {
      return "must be an unsigned integer number but got a negative integer";
    }
    return std::nullopt;
  }
  std::vector<std::string> alts;
  for (size_t b = 0, e; b <= spec.size(); b = e + 1) {
    e = spec.find('|', b);
    if (e == std::string::npos) e = spec.size();
    alts.push_back(spec.substr(b, e - b));
  }
  for (const auto& a : alts) {
    if (a == got) return std::nullopt;
  }
  if (alts.size() == 1) return "must be " + spec + " but got " + got;
  std::string list;
  for (const auto& a : alts) list += (list.empty() ? "" : ", ") + a;
  return "must be one of {" + list + "} but got " + got;
}

}  // namespace

void SetBuiltinError(std::string_view kind, std::string msg) {
  last_error = BuiltinErrorInfo{std::string(kind), std::move(msg)};
}

void ClearBuiltinError() { last_error.reset(); }

std::optional<BuiltinErrorInfo> TakeBuiltinError() {
  std::optional<BuiltinErrorInfo> e;
  e.swap(last_error);
  return e;
}

std::optional<std::string> OperandTypeError(std::string_view name, const std::vector<Json>& args) {
  const auto& table = Signatures();
  auto it = table.find(name);
  if (it == table.end()) return std::nullopt;
  for (size_t i = 0; i < args.size() && i < it->second.size(); ++i) {
    if (auto m = CheckOperand(it->second[i], args[i])) {
      return "operand " + std::to_string(i + 1) + " " + *m;
    }
  }
  return std::nullopt;
}

}  // namespace cocoon::policy::rego
