// String builtins by Unicode code point (indexof, substring, trim_*, strings.reverse, split on
// ""), sprintf (sprintf.h), format_int and the prefix/suffix matchers, as OPA documents them.
#include <algorithm>
#include <cmath>
#include <string>

#include "policy/rego/builtins.h"
#include "policy/rego/sprintf.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {
namespace {

// Byte offsets where each code point starts (invalid bytes count as one code point each).
std::vector<size_t> CodePoints(const std::string& s) {
  std::vector<size_t> out;
  for (size_t i = 0; i < s.size();) {
    out.push_back(i);
    unsigned char c = s[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    size_t j = i + 1;
    while (j < s.size() && j < i + n && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
    i = j;
  }
  return out;
}

std::vector<std::string> Split(const std::string& s) {
  auto cps = CodePoints(s);
  std::vector<std::string> out;
  for (size_t i = 0; i < cps.size(); ++i) {
    size_t end = i + 1 < cps.size() ? cps[i + 1] : s.size();
    out.push_back(s.substr(cps[i], end - cps[i]));
  }
  return out;
}

int64_t CpIndex(const std::string& s, size_t byte) {
  auto cps = CodePoints(s);
  return std::lower_bound(cps.begin(), cps.end(), byte) - cps.begin();
}

Opt IndexOf(const Args& a) {
  return WithStrings<2>(a, [](const std::string& s, const std::string& sub) {
    size_t p = s.find(sub);
    return Json(p == std::string::npos ? int64_t{-1} : CpIndex(s, p));
  });
}

Opt IndexOfN(const Args& a) {
  return WithStrings<2>(a, [](const std::string& s, const std::string& sub) {
    Json out = Json::array();
    for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + 1)) {
      out.push_back(CpIndex(s, p));
      if (sub.empty() && p >= s.size()) break;
    }
    return out;
  });
}

// substring(s, start, length): code points; a negative length means "to the end".
Opt Substring(const Args& a) {
  const std::string* s = Str(a[0]);
  if (!s || !a[1].is_number_integer() || !a[2].is_number_integer()) return std::nullopt;
  int64_t start = a[1].get<int64_t>(), len = a[2].get<int64_t>();
  if (start < 0) {
    SetBuiltinError("eval_builtin_error", "negative offset");
    return std::nullopt;
  }
  auto cps = CodePoints(*s);
  int64_t n = static_cast<int64_t>(cps.size());
  if (start >= n) return Json("");
  int64_t end = len < 0 || len > n - start ? n : start + len;
  size_t b = cps[start], e = end < n ? cps[end] : s->size();
  return Json(s->substr(b, e - b));
}

Opt TrimPrefix(const Args& a) {
  return WithStrings<2>(a, [](const std::string& s, const std::string& p) {
    return Json(s.starts_with(p) ? s.substr(p.size()) : s);
  });
}

Opt TrimSuffix(const Args& a) {
  return WithStrings<2>(a, [](const std::string& s, const std::string& p) {
    return Json(s.ends_with(p) ? s.substr(0, s.size() - p.size()) : s);
  });
}

// trim/trim_left/trim_right: `cutset` is a set of code points.
Opt TrimCut(const Args& a, bool left, bool right) {
  return WithStrings<2>(a, [&](const std::string& s, const std::string& cut) {
    auto parts = Split(s);
    auto set = Split(cut);
    auto in = [&](const std::string& c) {
      return std::find(set.begin(), set.end(), c) != set.end();
    };
    size_t b = 0, e = parts.size();
    while (left && b < e && in(parts[b])) ++b;
    while (right && e > b && in(parts[e - 1])) --e;
    std::string out;
    for (size_t i = b; i < e; ++i) out += parts[i];
    return Json(out);
  });
}
Opt Trim(const Args& a) { return TrimCut(a, true, true); }
Opt TrimLeft(const Args& a) { return TrimCut(a, true, false); }
Opt TrimRight(const Args& a) { return TrimCut(a, false, true); }
Opt TrimSpace(const Args& a) { return TrimCut({a[0], Json(" \t\n\r\v\f")}, true, true); }

Opt Reverse(const Args& a) {
  const std::string* s = Str(a[0]);
  if (!s) return std::nullopt;
  auto parts = Split(*s);
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += *it;
  return Json(out);
}

// split(s, ""): one element per code point.
Opt SplitStr(const Args& a) {
  return WithStrings<2>(a, [](const std::string& s, const std::string& d) {
    Json out = Json::array();
    if (d.empty()) {
      for (auto& p : Split(s)) out.push_back(p);
      return out;
    }
    size_t start = 0;
    for (size_t p = s.find(d); p != std::string::npos; p = s.find(d, start)) {
      out.push_back(s.substr(start, p - start));
      start = p + d.size();
    }
    out.push_back(s.substr(start));
    return out;
  });
}

Opt Count(const Args& a) {
  if (a[0].is_array() || a[0].is_object()) return Json(CollSize(a[0]));
  if (const std::string* s = Str(a[0])) return Json(CodePoints(*s).size());
  return std::nullopt;
}

Opt StringsCount(const Args& a) {
  return WithStrings<2>(a, [](const std::string& s, const std::string& sub) {
    if (sub.empty()) return Json(CodePoints(s).size() + 1);
    int64_t n = 0;
    for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
    return Json(n);
  });
}

Opt SprintfFn(const Args& a) {
  const std::string* f = Str(a[0]);
  auto xs = IsArray(a[1]) ? Elements(a[1]) : std::nullopt;
  if (!f || !xs) return std::nullopt;
  auto s = Sprintf(*f, *xs);
  return s ? Opt(Json(*s)) : std::nullopt;
}

// format_int(number, base): the number rounded down to an integer, in base 2, 8, 10 or 16.
Opt FormatInt(const Args& a) {
  if (!a[0].is_number() || !a[1].is_number_integer()) return std::nullopt;
  int64_t base = a[1].get<int64_t>();
  if (base != 2 && base != 8 && base != 10 && base != 16) {
    SetBuiltinError("eval_type_error", "operand 2 must be one of {2, 8, 10, 16}");
    return std::nullopt;
  }
  double d = a[0].get<double>();
  if (!a[0].is_number_integer() && !(std::fabs(d) < 9.2e18)) return std::nullopt;
  int64_t v = a[0].is_number_integer() ? a[0].get<int64_t>() : static_cast<int64_t>(std::floor(d));
  bool neg = v < 0;
  uint64_t u = neg ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  std::string digits;
  do {
    digits.insert(digits.begin(), "0123456789abcdef"[u % base]);
    u /= base;
  } while (u);
  return Json((neg ? "-" : "") + digits);
}

template <bool kPrefix>
Opt AnyMatch(const Args& a) {
  auto list = [](const Json& j) -> std::vector<const std::string*> {
    std::vector<const std::string*> out;
    if (const std::string* s = Str(j)) return {s};
    if (auto xs = Elements(j)) {
      for (const Json& x : *xs) {
        if (!x.is_string()) return {};
        out.push_back(&x.get_ref<const std::string&>());
      }
    }
    return out;
  };
  if (!a[0].is_string() && !a[0].is_array()) return std::nullopt;
  if (!a[1].is_string() && !a[1].is_array()) return std::nullopt;
  for (int i = 0; i < 2; ++i) {  // OPA: every element must be a string
    if (auto xs = Elements(a[i])) {
      for (const Json& x : *xs) {
        if (!x.is_string()) {
          SetBuiltinError("eval_type_error", "operand " + std::to_string(i + 1) +
                                                 " must be array of strings but got array "
                                                 "containing " +
                                                 TypeNameOf(x));
          return std::nullopt;
        }
      }
    }
  }
  for (const std::string* s : list(a[0])) {
    for (const std::string* p : list(a[1])) {
      if (kPrefix ? s->starts_with(*p) : s->ends_with(*p)) return Json(true);
    }
  }
  return Json(false);
}

}  // namespace

const std::vector<std::pair<std::string, Builtin>>& StringBuiltins() {
  static const auto* t = new std::vector<std::pair<std::string, Builtin>>{
      {"count", {1, Count}},
      {"indexof", {2, IndexOf}},
      {"indexof_n", {2, IndexOfN}},
      {"substring", {3, Substring}},
      {"trim", {2, Trim}},
      {"trim_left", {2, TrimLeft}},
      {"trim_right", {2, TrimRight}},
      {"trim_prefix", {2, TrimPrefix}},
      {"trim_suffix", {2, TrimSuffix}},
      {"trim_space", {1, TrimSpace}},
      {"strings.reverse", {1, Reverse}},
      {"strings.count", {2, StringsCount}},
      {"strings.any_prefix_match", {2, AnyMatch<true>}},
      {"strings.any_suffix_match", {2, AnyMatch<false>}},
      {"split", {2, SplitStr}},
      {"sprintf", {2, SprintfFn}},
      {"format_int", {2, FormatInt}},
  };
  return *t;
}

}  // namespace cocoon::policy::rego
