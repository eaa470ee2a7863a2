// Builtin families a real policy meets (OPA's builtin reference): rounding and product, units,
// time.*, crypto.sha256 / crypto.hmac.* (src/crypto), net.cidr_contains, regex.* (all of them),
// json.patch, graph.reachable, graph.reachable_paths, object.filter.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "base/encoding.h"
#include "base/limits.h"
#include "base/regex.h"
#include "crypto/digest.h"
#include "policy/rego/builtins.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {
namespace {

// ---- numbers ----
double Floor(double x) { return std::floor(x); }
double Ceil(double x) { return std::ceil(x); }
double RoundHalfAway(double x) { return std::round(x); }

template <double (*F)(double)>
Opt Round(const Args& a) {
  if (!a[0].is_number()) return std::nullopt;
  if (a[0].is_number_integer()) return a[0];
  return NumberFrom(F(a[0].get<double>()));
}

Opt Product(const Args& a) {
  auto xs = Elements(a[0]);
  if (!xs) return std::nullopt;
  Json acc = 1;
  for (const Json& x : *xs) {
    auto r = Arith("*", acc, x);
    if (!r) return std::nullopt;
    acc = *r;
  }
  return acc;
}

// units.parse("10Ki") / units.parse_bytes("10KB"), as OPA: quotes are dropped, spaces refused,
// the amount may have a sign, a fraction and an exponent ("2.5e3K"); SI (k, M, G, …) and IEC
// (Ki, Mi, …) suffixes. units.parse lowercases all but the first letter of the unit so "m"
// (milli) and "M" (mega) differ; units.parse_bytes lowercases all, drops a trailing "b" and
// truncates to an integer.
Opt ParseUnits(const std::string& in, bool bytes) {
  const std::string what = bytes ? "byte amount" : "amount";
  auto fail = [&](const std::string& msg) -> Opt {
    SetBuiltinError("eval_builtin_error", msg);
    return std::nullopt;
  };
  std::string s;
  for (char c : in) {
    if (c != '"') s += c;
  }
  if (s.find(' ') != std::string::npos) return fail("spaces not allowed in resource strings");
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t digits = i;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == digits) return fail("no " + what + " provided");
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {  // exponent: e[+-]digits
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
    if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      i = j;
    }
  }
  std::string num = s.substr(0, i);
  char* end = nullptr;
  double n = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size()) return fail("could not parse " + what + " to a number");
  std::string u = s.substr(i);
  if (bytes) {
    for (char& c : u) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (u.ends_with("b")) u.pop_back();
  } else {
    for (size_t k = 1; k < u.size(); ++k) {
      u[k] = static_cast<char>(std::tolower(static_cast<unsigned char>(u[k])));
    }
  }
  static const char* kSi[] = {"k", "m", "g", "t", "p", "e"};
  double r = 0;
  if (u.empty()) {
    r = n;
  } else if (!bytes && u == "m") {
    r = n / 1000;
  } else {
    std::string cmp = u;  // units.parse: "M" is mega; "m" (milli) was handled above
    for (char& c : cmp) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool found = false;
    for (int p = 0; p < 6 && !found; ++p) {
      std::string si = kSi[p], iec = si + "i";
      if (cmp == si) {
        r = n * std::pow(1000.0, p + 1);
        found = true;
      } else if (cmp == iec) {
        r = n * std::pow(1024.0, p + 1);
        found = true;
      }
    }
    if (!found) return fail("unit " + s.substr(i) + " not recognized");
  }
  if (bytes) r = std::trunc(r);
  return NumberFrom(r);
}
Opt UnitsParse(const Args& a) {
  const std::string* s = Str(a[0]);
  return s ? ParseUnits(*s, false) : std::nullopt;
}
Opt UnitsParseBytes(const Args& a) {
  const std::string* s = Str(a[0]);
  return s ? ParseUnits(*s, true) : std::nullopt;
}

// ---- time (durations; the rest is builtins_time.cc) ----

// time.parse_duration_ns("1h2m3.5s"): units ns, us/µs, ms, s, m, h.
Opt ParseDuration(const Args& a) {
  const std::string* s = Str(a[0]);
  if (!s || s->empty()) return std::nullopt;
  size_t i = 0;
  bool neg = false;
  if ((*s)[0] == '-' || (*s)[0] == '+') neg = (*s)[i++] == '-';
  if (*s == "0") return Json(0);
  double total = 0;
  while (i < s->size()) {
    size_t b = i;
    while (i < s->size() && (std::isdigit(static_cast<unsigned char>((*s)[i])) || (*s)[i] == '.'))
      ++i;
    if (b == i) return std::nullopt;
    double n = std::strtod(s->substr(b, i - b).c_str(), nullptr);
    size_t u = i;
    while (i < s->size() && !std::isdigit(static_cast<unsigned char>((*s)[i])) && (*s)[i] != '.')
      ++i;
    std::string unit = s->substr(u, i - u);
    double mult = unit == "ns"                                             ? 1
                  : unit == "us" || unit == "\u00b5s" || unit == "\u03bcs" ? 1e3
                  : unit == "ms"                                           ? 1e6
                  : unit == "s"                                            ? 1e9
                  : unit == "m"                                            ? 60e9
                  : unit == "h"                                            ? 3600e9
                                                                           : 0;
    if (mult == 0) return std::nullopt;
    total += n * mult;
  }
  if (total > 9.2e18) return std::nullopt;
  return Json(static_cast<int64_t>(neg ? -total : total));
}

// ---- crypto ----
Opt Sha256Hex(const Args& a) {
  const std::string* s = Str(a[0]);
  return s ? Opt(Json(base::HexEncode(crypto::Sha256(AsBytes(*s))))) : std::nullopt;
}

template <crypto::HashAlg kAlg>
Opt HmacHex(const Args& a) {
  return WithStrings<2>(a, [](const std::string& x, const std::string& key) {
    return Json(base::HexEncode(crypto::Hmac(kAlg, AsBytes(key), AsBytes(x))));
  });
}

// crypto.hmac.equal: constant-time comparison of two MACs.
Opt HmacEqual(const Args& a) {
  return WithStrings<2>(a, [](const std::string& x, const std::string& y) {
    unsigned char diff = x.size() != y.size();
    for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) diff |= x[i] ^ y[i];
    return Json(diff == 0);
  });
}

// ---- net ----
struct Cidr {
  int family;
  unsigned char addr[16];
  int bits;
};

std::optional<Cidr> ParseCidr(const std::string& s, bool allow_plain_ip) {
  Cidr c{};
  size_t slash = s.find('/');
  std::string ip = s.substr(0, slash);
  c.family = ip.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (inet_pton(c.family, ip.c_str(), c.addr) != 1) return std::nullopt;
  int max = c.family == AF_INET ? 32 : 128;
  if (slash == std::string::npos) {
    if (!allow_plain_ip) return std::nullopt;
    c.bits = max;
    return c;
  }
  std::string b = s.substr(slash + 1);
  if (b.empty() || b.size() > 3 || b.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  c.bits = std::atoi(b.c_str());
  if (c.bits > max) return std::nullopt;
  return c;
}

bool PrefixMatch(const Cidr& net, const Cidr& x) {
  if (net.family != x.family || x.bits < net.bits) return false;
  for (int i = 0; i < net.bits; ++i) {
    int byte = i / 8, bit = 7 - i % 8;
    if (((net.addr[byte] >> bit) & 1) != ((x.addr[byte] >> bit) & 1)) return false;
  }
  return true;
}

Opt CidrContains(const Args& a) {
  return WithStrings<2>(a, [](const std::string& n, const std::string& x) -> Opt {
    auto net = ParseCidr(n, false);
    auto sub = ParseCidr(x, true);
    if (!net || !sub) return std::nullopt;
    return Json(PrefixMatch(*net, *sub));
  });
}

Opt CidrIsValid(const Args& a) {
  const std::string* n = Str(a[0]);
  return Json(n && ParseCidr(*n, false).has_value());
}

// ---- regex.* (base/regex.h: RE2, Go's syntax) ----
// A pattern that does not compile, or a subject over limits::kRegexSubjectMaxBytes, makes the
// call undefined.
std::optional<base::Regex> Compile(const Json& p) {
  const std::string* s = Str(p);
  if (!s) return std::nullopt;
  auto re = base::Regex::Compile(*s);
  if (!re) return std::nullopt;
  return std::move(*re);
}

const std::string* Subject(const Json& s) {
  const std::string* str = Str(s);
  return str && str->size() <= limits::kRegexSubjectMaxBytes ? str : nullptr;
}

Opt RegexIsValid(const Args& a) { return Json(a[0].is_string() && Compile(a[0]).has_value()); }

Opt RegexMatch(const Args& a) {
  auto re = Compile(a[0]);
  const std::string* s = Subject(a[1]);
  return re && s ? Opt(Json(re->Search(*s))) : std::nullopt;
}

Opt RegexReplace(const Args& a) {
  const std::string* s = Subject(a[0]);
  auto re = Compile(a[1]);
  const std::string* r = Str(a[2]);
  return re && s && r ? Opt(Json(re->ReplaceAll(*s, *r))) : std::nullopt;
}

Opt RegexSplit(const Args& a) {
  auto re = Compile(a[0]);
  const std::string* s = Subject(a[1]);
  if (!re || !s) return std::nullopt;
  return Json(re->Split(*s));
}

// regex.find_n(pattern, s, n) and regex.find_all_string_submatch_n(pattern, s, n); n < 0: all.
template <bool kSubmatch>
Opt RegexFind(const Args& a) {
  auto re = Compile(a[0]);
  const std::string* s = Subject(a[1]);
  if (!re || !s || !a[2].is_number_integer()) return std::nullopt;
  Json out = Json::array();
  for (const base::Regex::Match& m : re->FindAll(*s, a[2].get<int64_t>(), kSubmatch)) {
    if (!kSubmatch) {
      out.push_back(std::string(m.groups[0]));
      continue;
    }
    Json groups = Json::array();
    for (std::string_view g : m.groups) groups.push_back(std::string(g));
    out.push_back(std::move(groups));
  }
  return out;
}

// ---- json.patch (RFC 6902) ----
// A path is a JSON pointer ("/a/0"; OPA also takes it without the leading "/") or an array of
// segments. A segment names an object key or an array index by its text, and a set member by
// its value (a string path names string members); adding to a set needs the value to equal the
// segment.
std::optional<std::vector<Json>> Pointer(const Json& p) {
  const std::string* s = Str(p);
  std::vector<Json> out;
  if (!s) {
    if (!IsArray(p)) return std::nullopt;
    out.assign(p.begin(), p.end());
    return out;
  }
  if (s->empty()) return out;
  for (size_t b = (*s)[0] == '/' ? 1 : 0, e; b <= s->size(); b = e + 1) {
    e = s->find('/', b);
    if (e == std::string::npos) e = s->size();
    std::string seg = s->substr(b, e - b);
    for (size_t i = 0; (i = seg.find('~', i)) != std::string::npos; ++i) {
      if (i + 1 >= seg.size() || (seg[i + 1] != '0' && seg[i + 1] != '1')) return std::nullopt;
      seg.replace(i, 2, seg[i + 1] == '0' ? "~" : "/");
    }
    out.push_back(seg);
  }
  return out;
}

std::string SegText(const Json& seg) {
  return seg.is_string() ? seg.get<std::string>() : base::DumpJson(seg);
}

std::optional<size_t> SegIndex(const Json& seg) {
  std::string t = SegText(seg);
  if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  if (t.size() > 1 && t[0] == '0') return std::nullopt;  // RFC 6901: no leading zeros
  return std::strtoull(t.c_str(), nullptr, 10);
}

Json* Child(Json& parent, const Json& seg) {
  if (parent.is_object()) {
    auto it = parent.find(SegText(seg));
    return it == parent.end() ? nullptr : &*it;
  }
  if (IsSet(parent)) return const_cast<Json*>(SetFind(parent, seg));  // re-sorted by Normalise
  auto i = IsArray(parent) ? SegIndex(seg) : std::nullopt;
  return i && *i < parent.size() ? &parent[*i] : nullptr;
}

Json* Resolve(Json& doc, const std::vector<Json>& path, size_t n) {
  Json* cur = &doc;
  for (size_t i = 0; i < n && cur; ++i) cur = Child(*cur, path[i]);
  return cur;
}

// Sets whose members an operation changed in place are sorted again.
void Normalise(Json& v) {
  if (IsSet(v)) {
    std::vector<Json> members(Members(v).begin(), Members(v).end());
    for (Json& m : members) Normalise(m);
    v = MakeSet(std::move(members));
  } else if (v.is_array() || v.is_object()) {
    for (Json& c : v) Normalise(c);
  }
}

bool Remove(Json& doc, const std::vector<Json>& path, Json* removed) {
  if (path.empty()) return false;
  Json* parent = Resolve(doc, path, path.size() - 1);
  const Json* at = parent ? Child(*parent, path.back()) : nullptr;
  if (!at) return false;
  if (removed) *removed = *at;
  if (IsSet(*parent)) {
    *parent = SetOp('-', *parent, MakeSet(std::vector<Json>{path.back()}));
  } else if (parent->is_object()) {
    parent->erase(SegText(path.back()));
  } else {
    parent->erase(*SegIndex(path.back()));
  }
  return true;
}

bool Add(Json& doc, const std::vector<Json>& path, const Json& v) {
  if (path.empty()) {
    doc = v;
    return true;
  }
  Json* parent = Resolve(doc, path, path.size() - 1);
  if (!parent) return false;
  const Json& last = path.back();
  if (IsSet(*parent)) {
    if (!Equal(last, v)) return false;
    *parent = SetOp('|', *parent, MakeSet(std::vector<Json>{v}));
    return true;
  }
  if (parent->is_object()) {
    (*parent)[SegText(last)] = v;
    return true;
  }
  if (!IsArray(*parent)) return false;
  if (SegText(last) == "-") {
    parent->push_back(v);
    return true;
  }
  auto i = SegIndex(last);
  if (!i || *i > parent->size()) return false;
  parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(*i), v);
  return true;
}

bool ApplyOp(Json& doc, const Json& op) {
  if (!op.is_object() || !op.contains("op") || !op.contains("path")) return false;
  auto path = Pointer(op["path"]);
  const Json& name = op["op"];
  if (!path || !name.is_string()) return false;
  if (name == "add") return op.contains("value") && Add(doc, *path, op["value"]);
  if (name == "remove") return Remove(doc, *path, nullptr);
  if (name == "replace") {
    if (!op.contains("value")) return false;
    return path->empty() ? Add(doc, *path, op["value"])  // the whole document
                         : Remove(doc, *path, nullptr) && Add(doc, *path, op["value"]);
  }
  if (name == "test") {
    Json* at = Resolve(doc, *path, path->size());
    return op.contains("value") && at && Equal(*at, op["value"]);
  }
  auto from = op.contains("from") ? Pointer(op["from"]) : std::nullopt;
  if (!from) return false;
  Json v;
  if (name == "move") return Remove(doc, *from, &v) && Add(doc, *path, v);
  if (name == "copy") {
    Json* at = Resolve(doc, *from, from->size());
    if (!at) return false;
    Json copied = *at;
    return Add(doc, *path, copied);
  }
  return false;
}

Opt JsonPatch(const Args& a) {
  auto ops = Elements(a[1]);
  if (!ops) return std::nullopt;
  Json doc = a[0];
  for (const Json& op : *ops) {
    if (!ApplyOp(doc, op)) return std::nullopt;
    Normalise(doc);
  }
  return doc;
}

// ---- graph / objects ----
Opt GraphReachable(const Args& a) {
  auto start = Elements(a[1]);
  if (!a[0].is_object() || !start) return std::nullopt;
  std::vector<Json> todo(start->begin(), start->end());
  Json visited = EmptySetValue();
  while (!todo.empty()) {
    Json n = std::move(todo.back());
    todo.pop_back();
    if (SetContains(visited, n)) continue;
    const Json* edges = Index(a[0], n);
    if (!edges) continue;  // only nodes of the graph are reachable
    visited = SetOp('|', visited, MakeSet(std::vector<Json>{n}));
    if (auto next = Elements(*edges)) todo.insert(todo.end(), next->begin(), next->end());
  }
  return visited;
}

// graph.reachable_paths(graph, initial): from each initial node of the graph, one depth-first
// walk per neighbour, edges in array or set order; a path ends at a node without edges, before
// a node outside the graph, or before a node this walk has already reached (cycles, and nodes
// an earlier branch of the same walk went through).
Opt GraphReachablePaths(const Args& a) {
  auto start = Elements(a[1]);
  if (!a[0].is_object() || !start) return std::nullopt;
  const Json& graph = a[0];
  auto edges_of = [](const Json& e) { return Elements(e).value_or(std::span<const Json>()); };
  std::vector<Json> paths;
  auto commit = [&](const std::vector<Json>& path) {
    Json p = Json::array();
    for (const Json& n : path) p.push_back(n);
    paths.push_back(std::move(p));
  };
  for (const Json& root : *start) {
    const Json* root_edges = Index(graph, root);
    if (!root_edges) continue;
    if (edges_of(*root_edges).empty()) commit({root});
    for (const Json& first : edges_of(*root_edges)) {
      std::vector<Json> path{root};
      std::vector<Json> reached{root};  // kept sorted (Compare)
      auto seen = [&](const Json& n) {
        return std::binary_search(reached.begin(), reached.end(), n,
                                  [](const Json& x, const Json& y) { return Compare(x, y) < 0; });
      };
      struct Frame {
        std::span<const Json> edges;
        size_t next = 0;
      };
      std::vector<Frame> stack;
      auto enter = [&](const Json& n) {
        const Json* e = Index(graph, n);
        if (!e) return commit(path);
        path.push_back(n);
        if (edges_of(*e).empty()) {
          commit(path);
          path.pop_back();
          return;
        }
        auto at = std::lower_bound(reached.begin(), reached.end(), n,
                                   [](const Json& x, const Json& y) { return Compare(x, y) < 0; });
        reached.insert(at, n);
        stack.push_back(Frame{edges_of(*e)});
      };
      enter(first);
      while (!stack.empty()) {
        Frame& f = stack.back();
        if (f.next == f.edges.size()) {
          stack.pop_back();
          path.pop_back();
          continue;
        }
        const Json& n = f.edges[f.next++];
        if (seen(n)) {
          commit(path);
        } else {
          enter(n);
        }
      }
    }
  }
  return MakeSet(std::move(paths));
}

Opt ObjectFilter(const Args& a) {
  if (!a[0].is_object()) return std::nullopt;
  std::vector<Json> keys;
  if (auto ks = Elements(a[1])) {
    keys.assign(ks->begin(), ks->end());
  } else if (a[1].is_object()) {
    for (auto it = a[1].begin(); it != a[1].end(); ++it) keys.push_back(KeyValue(it.key()));
  } else {
    return std::nullopt;
  }
  Json out = Json::object();
  for (const Json& k : keys) {
    if (const Json* v = Index(a[0], k)) out[KeyOf(k)] = *v;
  }
  return out;
}

Opt Base64IsValid(const Args& a) {
  const std::string* s = Str(a[0]);
  return Json(s && base::Base64DecodeAny(*s).has_value());
}

}  // namespace

const std::vector<std::pair<std::string, Builtin>>& MoreBuiltins() {
  static const auto* t = new std::vector<std::pair<std::string, Builtin>>{
      {"floor", {1, Round<Floor>}},
      {"ceil", {1, Round<Ceil>}},
      {"round", {1, Round<RoundHalfAway>}},
      {"product", {1, Product}},
      {"units.parse", {1, UnitsParse}},
      {"units.parse_bytes", {1, UnitsParseBytes}},
      {"time.parse_duration_ns", {1, ParseDuration}},
      {"crypto.sha256", {1, Sha256Hex}},
      {"crypto.hmac.sha256", {2, HmacHex<crypto::HashAlg::kSha256>}},
      {"crypto.hmac.sha512", {2, HmacHex<crypto::HashAlg::kSha512>}},
      {"crypto.hmac.equal", {2, HmacEqual}},
      {"net.cidr_contains", {2, CidrContains}},
      {"net.cidr_is_valid", {1, CidrIsValid}},
      {"regex.is_valid", {1, RegexIsValid}},
      {"regex.match", {2, RegexMatch}},
      {"re_match", {2, RegexMatch}},
      {"regex.replace", {3, RegexReplace}},
      {"regex.split", {2, RegexSplit}},
      {"regex.find_n", {3, RegexFind<false>}},
      {"regex.find_all_string_submatch_n", {3, RegexFind<true>}},
      {"json.patch", {2, JsonPatch}},
      {"graph.reachable", {2, GraphReachable}},
      {"graph.reachable_paths", {2, GraphReachablePaths}},
      {"object.filter", {2, ObjectFilter}},
      {"base64.is_valid", {1, Base64IsValid}},
  };
  return *t;
}

}  // namespace cocoon::policy::rego
