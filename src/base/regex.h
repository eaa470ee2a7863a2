// The one regular-expression adapter cocoon uses (Rego's regex.* builtins, the KBS admin ACLs
// and their config check). Nothing here throws. Two dialects:
//  - kRe2 (default): RE2, Go's `regexp` syntax (OPA's builtins). RE2 never backtracks: matching
//    takes time linear in the subject, so no pattern can make a match run away.
//  - kEcmaScript: std::regex's ECMAScript grammar (lookahead included), for the KBS admin ACLs,
//    whose documented idiom `^/kbs/v0/resource/(?!secret/).+$` RE2 cannot express. It
//    backtracks: callers bound the subject (limits::kAdminUriMaxBytes). A match the engine gives
//    up on (stack or complexity) is no match.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace re2 {
class RE2;
}

namespace cocoon::base {

class Regex {
 public:
  enum class Dialect { kRe2, kEcmaScript };
  // InvalidArgument `regex "<pattern>" is invalid: <reason>`, also for a kRe2 pattern longer
  // than limits::kRegexPatternMaxBytes (Rego's patterns are untrusted; ACLs are configuration).
  static Result<Regex> Compile(std::string_view pattern, Dialect dialect = Dialect::kRe2);

  const std::string& pattern() const;
  // The whole of `s` matches.
  bool FullMatch(std::string_view s) const;
  // Some part of `s` matches (Go's MatchString).
  bool Search(std::string_view s) const;

  struct Match {
    size_t begin = 0, end = 0;  // offsets of the whole match in the subject
    // Group 0 (the match) then each capturing group; a group that took no part is empty.
    std::vector<std::string_view> groups;
  };
  // The rest follow Go's regexp and need kRe2 (an ECMAScript regex finds nothing, replaces
  // nothing, splits nothing).
  // Successive non-overlapping matches, left to right, as Go's FindAll*: an empty match right
  // after the previous match is skipped. At most `n` when n >= 0. `groups` is filled only when
  // `submatches` is set (group 0 always).
  std::vector<Match> FindAll(std::string_view s, int64_t n = -1, bool submatches = false) const;
  // Go's ReplaceAllString: every match replaced by `repl` with `$1`, `${1}`, `$name`,
  // `${name}` expanded (a group that does not exist expands to nothing) and `$$` for `$`.
  std::string ReplaceAll(std::string_view s, std::string_view repl) const;
  // Go's Split(s, -1): the pieces between matches.
  std::vector<std::string> Split(std::string_view s) const;

 private:
  struct Ecma;
  Regex() = default;
  std::string pattern_;
  std::shared_ptr<const re2::RE2> re_;  // kRe2
  std::shared_ptr<const Ecma> ecma_;    // kEcmaScript
};

}  // namespace cocoon::base
