// Rego built-ins beyond the ones Trustee's policies use: glob, semver, time, more strings,
// arrays and objects. Same contract as builtins.cc: wrong argument types give undefined.
#include <chrono>
#include <map>
#include <string>
#include <tuple>

#include "base/encoding.h"
#include "policy/rego/builtins.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {
namespace {

// glob.match(pattern, delimiters, s): `*` matches within a segment, `**` across, `?` one char.
// Memoised over (pattern index, subject index), so matching is O(|p| * |s|^2) at worst.
struct Globber {
  std::string_view p, s;
  const std::string& delims;
  std::vector<int8_t> memo;  // -1 unknown, 0 false, 1 true

  bool Delim(char c) const { return delims.find(c) != std::string::npos; }
  bool Match(size_t pi, size_t si) {
    int8_t& m = memo[pi * (s.size() + 1) + si];
    if (m >= 0) return m;
    m = 0;
    if (pi == p.size()) return (m = (si == s.size())) != 0;
    if (p.substr(pi).starts_with("**")) {
      for (size_t i = si; i <= s.size(); ++i) {
        if (Match(pi + 2, i)) return (m = (1)) != 0;
      }
      return false;
    }
    if (p[pi] == '*') {
      for (size_t i = si; i <= s.size(); ++i) {
        if (Match(pi + 1, i)) return (m = (1)) != 0;
        if (i < s.size() && Delim(s[i])) break;
      }
      return false;
    }
    if (si == s.size()) return false;
    if (p[pi] == '?') return (m = (!Delim(s[si]) && Match(pi + 1, si + 1))) != 0;
    if (p[pi] == '[') {  // [abc], [a-c], [!abc]: one character from (or not from) the list
      size_t i = pi + 1;
      bool neg = i < p.size() && p[i] == '!';
      if (neg) ++i;
      size_t close = p.find(']', i + 1);
      if (close != std::string_view::npos) {
        bool in = false;
        for (size_t k = i; k < close; ++k) {
          if (k + 2 < close && p[k + 1] == '-') {
            in = in || (s[si] >= p[k] && s[si] <= p[k + 2]);
            k += 2;
          } else {
            in = in || s[si] == p[k];
          }
        }
        return (m = (in != neg && !Delim(s[si]) && Match(close + 1, si + 1))) != 0;
      }
    }
    if (p[pi] == '\\' && pi + 1 < p.size()) {  // an escaped character is itself
      return (m = (p[pi + 1] == s[si] && Match(pi + 2, si + 1))) != 0;
    }
    return (m = (p[pi] == s[si] && Match(pi + 1, si + 1))) != 0;
  }
};

// {a,b}: every alternative spelled out (nested braces too), at most 256 patterns.
bool ExpandBraces(const std::string& p, std::vector<std::string>& out) {
  size_t open = std::string::npos;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
    } else if (p[i] == '{') {
      open = i;
      break;
    }
  }
  if (open == std::string::npos) {
    out.push_back(p);
    return out.size() <= 256;
  }
  int depth = 0;
  std::vector<std::string> alts(1);
  size_t close = std::string::npos;
  for (size_t i = open + 1; i < p.size() && close == std::string::npos; ++i) {
    char c = p[i];
    if (c == '{') ++depth;
    if (c == '}' && depth-- == 0) {
      close = i;
    } else if (c == ',' && depth == 0) {
      alts.emplace_back();
    } else {
      alts.back() += c;
    }
  }
  if (close == std::string::npos) {
    out.push_back(p);
    return out.size() <= 256;
  }
  for (const auto& alt : alts) {
    if (!ExpandBraces(p.substr(0, open) + alt + p.substr(close + 1), out)) return false;
  }
  return true;
}

bool Glob(std::string_view p, std::string_view s, const std::string& delims) {
  std::vector<std::string> pats;
  if (!ExpandBraces(std::string(p), pats)) return false;
  for (const std::string& pat : pats) {
    Globber g{pat, s, delims, std::vector<int8_t>((pat.size() + 1) * (s.size() + 1), -1)};
    if (g.Match(0, 0)) return true;
  }
  return false;
}

Opt GlobMatch(const Args& a) {
  const std::string* p = Str(a[0]);
  const std::string* s = Str(a[2]);
  if (!p || !s || p->size() > 256 || s->size() > 4096) return std::nullopt;
  // OPA: null means no delimiters, [] the default ".".
  std::string delims;
  if (a[1].is_array()) {
    for (auto& d : a[1]) {
      if (const std::string* ds = Str(d)) delims += *ds;
    }
    if (a[1].empty()) delims = ".";
  } else if (!a[1].is_null()) {
    return std::nullopt;
  }
  return Json(Glob(*p, *s, delims));
}

// semver: MAJOR.MINOR.PATCH[-pre][+build]; build metadata is ignored in comparisons.
std::optional<std::tuple<int64_t, int64_t, int64_t, std::string>> SemVer(const Json& j) {
  const std::string* s = Str(j);
  if (!s) return std::nullopt;
  std::string v = s->substr(0, s->find('+'));
  std::string pre;
  if (size_t d = v.find('-'); d != std::string::npos) {
    pre = v.substr(d + 1);
    v = v.substr(0, d);
    if (pre.empty()) return std::nullopt;
  }
  int64_t n[3];
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    size_t end = i < 2 ? v.find('.', pos) : v.size();
    if (end == std::string::npos || end == pos || end - pos > 18) return std::nullopt;
    n[i] = 0;
    for (size_t k = pos; k < end; ++k) {
      if (!std::isdigit(static_cast<unsigned char>(v[k]))) return std::nullopt;
      n[i] = n[i] * 10 + (v[k] - '0');
    }
    pos = end + 1;
  }
  return std::make_tuple(n[0], n[1], n[2], pre);
}

Opt SemVerIsValid(const Args& a) { return Json(SemVer(a[0]).has_value()); }

Opt SemVerCompare(const Args& a) {
  auto x = SemVer(a[0]), y = SemVer(a[1]);
  for (int i = 0; i < 2; ++i) {
    if (!(i == 0 ? x : y) && a[i].is_string()) {
      SetBuiltinError("eval_builtin_error", "operand " + std::to_string(i + 1) + ": string " +
                                                a[i].dump() + " is not a valid SemVer");
    }
  }
  if (!x || !y) return std::nullopt;
  auto key = [](const auto& t) {
    return std::make_tuple(std::get<0>(t), std::get<1>(t), std::get<2>(t));
  };
  if (key(*x) != key(*y)) return Json(key(*x) < key(*y) ? -1 : 1);
  const std::string& px = std::get<3>(*x);
  const std::string& py = std::get<3>(*y);
  if (px == py) return Json(0);
  if (px.empty()) return Json(1);  // a release is newer than its pre-release
  if (py.empty()) return Json(-1);
  return Json(px < py ? -1 : 1);
}

Opt TimeNowNs(const Args&) {
  return Json(static_cast<int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count()));
}

Opt ArrayReverse(const Args& a) {
  if (!IsArray(a[0])) return std::nullopt;
  Json out = Json::array();
  for (auto it = a[0].rbegin(); it != a[0].rend(); ++it) out.push_back(*it);
  return out;
}

Opt ObjectRemove(const Args& a) {
  if (!a[0].is_object() || !(a[1].is_array() || a[1].is_object())) return std::nullopt;
  Json out = a[0];
  if (auto ks = Elements(a[1])) {
    for (auto& k : *ks) out.erase(KeyOf(k));
  } else {
    for (auto it = a[1].begin(); it != a[1].end(); ++it) out.erase(it.key());
  }
  return out;
}

Opt NumbersRange(const Args& a) {
  if (!a[0].is_number_integer() || !a[1].is_number_integer()) return std::nullopt;
  int64_t x = a[0].get<int64_t>(), y = a[1].get<int64_t>();
  if ((x > y ? x - y : y - x) > 100000) return std::nullopt;  // bounded output
  Json out = Json::array();
  for (int64_t i = x;; i += x <= y ? 1 : -1) {
    out.push_back(i);
    if (i == y) break;
  }
  return out;
}

Opt JsonIsValid(const Args& a) {
  const std::string* s = Str(a[0]);
  return s ? Opt(Json(base::ParseJson(*s).has_value())) : std::nullopt;
}

Opt Base64UrlEnc(const Args& a) {
  const std::string* s = Str(a[0]);
  return s ? Opt(Json(base::Base64UrlEncode(*s))) : std::nullopt;
}

// print(...) writes nowhere (policies run in services; debug output is not a side channel).
Opt Print(const Args&) { return Json(true); }

Opt ReplaceN(const Args& a) {
  const std::string* s = Str(a[1]);
  if (!a[0].is_object() || !s) return std::nullopt;
  std::string out = *s;
  for (auto it = a[0].begin(); it != a[0].end(); ++it) {
    if (!IsPlainKey(it.key())) {
      SetBuiltinError("eval_type_error", "operand 1 non-string key found in pattern object");
      return std::nullopt;
    }
    const std::string* nw = Str(it.value());
    if (!nw) {
      SetBuiltinError("eval_type_error", "operand 1 non-string value found in pattern object");
      return std::nullopt;
    }
    if (it.key().empty()) return std::nullopt;
    std::string next;
    size_t start = 0;
    while (true) {
      size_t p = out.find(it.key(), start);
      if (p == std::string::npos) break;
      next += out.substr(start, p - start) + *nw;
      start = p + it.key().size();
    }
    out = next + out.substr(start);
  }
  return Json(out);
}

template <int Op>
Opt Bits(const Args& a) {
  if (!a[0].is_number_integer() || !a[1].is_number_integer()) return std::nullopt;
  int64_t x = a[0].get<int64_t>(), y = a[1].get<int64_t>();
  switch (Op) {
    case 0:
      return Json(x & y);
    case 1:
      return Json(x | y);
    case 2:
      return Json(x ^ y);
    case 3:
      return y >= 0 && y < 63 ? Opt(Json(static_cast<int64_t>(static_cast<uint64_t>(x) << y)))
                              : std::nullopt;
    default:
      return y >= 0 && y < 64 ? Opt(Json(x >> y)) : std::nullopt;
  }
}

Opt BitsNegate(const Args& a) {
  if (!a[0].is_number_integer()) return std::nullopt;
  return Json(~a[0].get<int64_t>());
}

Opt EmptySet(const Args&) { return EmptySetValue(); }

}  // namespace

const std::vector<std::pair<std::string, Builtin>>& ExtBuiltins() {
  static const auto* t = new std::vector<std::pair<std::string, Builtin>>{
      {"array.reverse", {1, ArrayReverse}},
      {"object.remove", {2, ObjectRemove}},
      {"numbers.range", {2, NumbersRange}},
      {"json.is_valid", {1, JsonIsValid}},
      {"base64url.encode_no_pad", {1, Base64UrlEnc}},
      {"print", {-1, Print}},
      {"set", {0, EmptySet}},
      {"bits.and", {2, Bits<0>}},
      {"bits.negate", {1, BitsNegate}},
      {"bits.or", {2, Bits<1>}},
      {"bits.xor", {2, Bits<2>}},
      {"bits.lsh", {2, Bits<3>}},
      {"bits.rsh", {2, Bits<4>}},
      {"strings.replace_n", {2, ReplaceN}},
      {"glob.match", {3, GlobMatch}},
      {"semver.is_valid", {1, SemVerIsValid}},
      {"semver.compare", {2, SemVerCompare}},
      {"time.now_ns", {0, TimeNowNs}},
  };
  return *t;
}

}  // namespace cocoon::policy::rego
