// Rego parser: source text -> Module. Input is untrusted: size and nesting depth are bounded
// (kMaxSourceBytes, kMaxDepth) and every error is InvalidArgument "file:line:col: message".
#pragma once

#include <string_view>

#include "base/error.h"
#include "policy/rego/ast.h"

namespace cocoon::policy::rego {

inline constexpr size_t kMaxSourceBytes = 1 << 20;
inline constexpr int kMaxDepth = 64;

Result<Module> Parse(std::string_view file, std::string_view src);

// Parses a single term (a query such as "data.policy.allow").
Result<TermPtr> ParseQuery(std::string_view src);

// Parses a query body: expressions separated by ';' or newlines ("x := data.p.s[_]; x > 1").
Result<Body> ParseQueryBody(std::string_view src);

}  // namespace cocoon::policy::rego
