// GCC 12 with -fsanitize=address reports a false -Wmaybe-uninitialized inside libstdc++'s
// <regex> compiler; it must be silenced before any header is read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "base/regex.h"

#include <re2/re2.h>

#include <regex>

#include "base/limits.h"

namespace cocoon::base {

struct Regex::Ecma {
  std::regex re;
};

Result<Regex> Regex::Compile(std::string_view pattern, Dialect dialect) {
  auto invalid = [&](std::string_view why) {
    return InvalidArgument("regex \"" + std::string(pattern) +
                           "\" is invalid: " + std::string(why));
  };
  if (dialect == Dialect::kRe2 && pattern.size() > limits::kRegexPatternMaxBytes) {
    return invalid("longer than " + std::to_string(limits::kRegexPatternMaxBytes) + " bytes");
  }
  Regex out;
  out.pattern_ = std::string(pattern);
  if (dialect == Dialect::kEcmaScript) {
    try {  // std::regex reports a bad pattern by throwing: the one place that catches it
      out.ecma_ =
          std::make_shared<const Ecma>(Ecma{std::regex(out.pattern_, std::regex::ECMAScript)});
    } catch (const std::regex_error& e) {
      return invalid(e.what());
    }
    return out;
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), opts);
  if (!re->ok()) return invalid(re->error());
  out.re_ = std::move(re);
  return out;
}

const std::string& Regex::pattern() const { return pattern_; }

bool Regex::FullMatch(std::string_view s) const {
  if (ecma_) {
    try {
      return std::regex_match(s.begin(), s.end(), ecma_->re);
    } catch (const std::regex_error&) {
      return false;
    }
  }
  return RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *re_);
}

bool Regex::Search(std::string_view s) const {
  if (ecma_) {
    try {
      return std::regex_search(s.begin(), s.end(), ecma_->re);
    } catch (const std::regex_error&) {
      return false;
    }
  }
  return RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re_);
}

namespace {

// Bytes of the UTF-8 sequence starting at s[i] (1 for an invalid byte), as Go steps past an
// empty match.
size_t RuneWidth(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (i + n > s.size()) return 1;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  }
  return n;
}

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::vector<Regex::Match> Regex::FindAll(std::string_view s, int64_t n, bool submatches) const {
  std::vector<Match> out;
  if (!re_) return out;
  const int ngroups = submatches ? re_->NumberOfCapturingGroups() + 1 : 1;
  std::vector<re2::StringPiece> g(static_cast<size_t>(ngroups));
  re2::StringPiece text(s.data(), s.size());
  size_t pos = 0;
  size_t prev_end = std::string_view::npos;
  while ((n < 0 || static_cast<int64_t>(out.size()) < n) && pos <= s.size()) {
    if (!re_->Match(text, pos, s.size(), RE2::UNANCHORED, g.data(), ngroups)) break;
    size_t b = static_cast<size_t>(g[0].data() - s.data());
    size_t e = b + g[0].size();
    bool accept = true;
    if (e == pos) {  // an empty match at pos
      if (b == prev_end) accept = false;
      pos += pos < s.size() ? RuneWidth(s, pos) : 1;
    } else {
      pos = e;
    }
    prev_end = e;
    if (!accept) continue;
    Match m{b, e, {}};
    for (const re2::StringPiece& p : g) {
      m.groups.emplace_back(p.data() ? std::string_view(p.data(), p.size()) : std::string_view());
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::string Regex::ReplaceAll(std::string_view s, std::string_view repl) const {
  if (!re_) return std::string(s);
  const auto& names = re_->NamedCapturingGroups();
  std::string out;
  size_t last = 0;
  for (const Match& m : FindAll(s, -1, true)) {
    out.append(s.substr(last, m.begin - last));
    last = m.end;
    std::string_view t = repl;
    while (!t.empty()) {
      size_t dollar = t.find('$');
      out.append(t.substr(0, dollar));
      if (dollar == std::string_view::npos) break;
      t.remove_prefix(dollar + 1);
      if (!t.empty() && t[0] == '$') {
        out += '$';
        t.remove_prefix(1);
        continue;
      }
      bool brace = !t.empty() && t[0] == '{';
      size_t i = brace ? 1 : 0;
      while (i < t.size() && NameChar(t[i])) ++i;
      std::string_view name = t.substr(brace ? 1 : 0, i - (brace ? 1 : 0));
      if (name.empty() || (brace && (i >= t.size() || t[i] != '}'))) {
        out += '$';  // malformed: the $ is literal text
        continue;
      }
      t.remove_prefix(brace ? i + 1 : i);
      int group = -1;
      bool digits = name.find_first_not_of("0123456789") == std::string_view::npos;
      if (digits && name.size() <= 8 && (name.size() == 1 || name[0] != '0')) {
        group = std::stoi(std::string(name));
      } else if (!digits) {
        auto it = names.find(std::string(name));
        if (it != names.end()) group = it->second;
      }
      if (group >= 0 && static_cast<size_t>(group) < m.groups.size()) {
        out.append(m.groups[static_cast<size_t>(group)]);
      }
    }
  }
  out.append(s.substr(last));
  return out;
}

std::vector<std::string> Regex::Split(std::string_view s) const {
  std::vector<std::string> out;
  if (!re_) return out;
  if (!pattern_.empty() && s.empty()) return {""};
  size_t beg = 0, end = 0;
  for (const Match& m : FindAll(s)) {
    end = m.begin;
    if (m.end != 0) out.emplace_back(s.substr(beg, end - beg));
    beg = m.end;
  }
  if (end != s.size()) out.emplace_back(s.substr(beg));
  return out;
}

}  // namespace cocoon::base
