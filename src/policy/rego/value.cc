// Rego value ordering and arithmetic (see value.h).
#include "policy/rego/value.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <vector>

#include "policy/rego/bigint.h"

namespace cocoon::policy::rego {
namespace {

constexpr char kKeyMark = '\xff';
constexpr const char* kSetTag = "\x01rego.set";  // a set inside an encoded composite key

int Rank(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return 0;
    case Json::value_t::boolean:
      return 1;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return 2;
    case Json::value_t::string:
      return 3;
    case Json::value_t::array:
      return IsSet(j) ? 8 : 6;
    case Json::value_t::object:
      return 7;
    case Json::value_t::binary:
      return IsBigInt(j) ? 2 : 9;
    default:
      return 9;
  }
}

// Integers beyond int64 arrive as uint64 (JSON input, large literals).
__int128 Wide(const Json& j) {
  return j.is_number_unsigned() ? static_cast<__int128>(j.get<uint64_t>())
                                : static_cast<__int128>(j.get<int64_t>());
}

int CompareNumbers(const Json& a, const Json& b) {
  if (IsBigInt(a) || IsBigInt(b)) {
    if (IsInteger(a) && IsInteger(b)) return CompareIntegers(a, b);
    double x = ToDouble(a), y = ToDouble(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_number_integer() && b.is_number_integer()) {
    __int128 x = Wide(a), y = Wide(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  double x = a.get<double>(), y = b.get<double>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

int CompareSeq(std::span<const Json> a, std::span<const Json> b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    int c = Compare(a[i], b[i]);
    if (c != 0) return c;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

std::span<const Json> Items(const Json& arr) {
  const auto& v = arr.get_ref<const Json::array_t&>();
  return std::span<const Json>(v.data(), v.size());
}

bool Less(const Json& x, const Json& y) { return Compare(x, y) < 0; }

// Composite key values as JSON text: sets become {kSetTag: [...]}, encoded keys get a \x01
// prefix instead of the (invalid UTF-8) \xff mark, so DumpJson keeps them intact.
Json Tagged(const Json& v) {
  if (LiteralText(v)) return *IntegerFromText(IntegerText(v));  // one key per integer value
  if (IsSet(v)) {
    Json arr = Json::array();
    for (const Json& m : Members(v)) arr.push_back(Tagged(m));
    return Json{{kSetTag, std::move(arr)}};
  }
  if (v.is_array()) {
    Json arr = Json::array();
    for (const Json& m : v) arr.push_back(Tagged(m));
    return arr;
  }
  if (v.is_object()) {
    Json o = Json::object();
    for (auto it = v.begin(); it != v.end(); ++it) {
      std::string k = it.key();
      if (!IsPlainKey(k)) k[0] = '\x01';
      o[k] = Tagged(it.value());
    }
    return o;
  }
  return v;
}

Json Untagged(const Json& v) {
  if (v.is_array()) {
    Json arr = Json::array();
    for (const Json& m : v) arr.push_back(Untagged(m));
    return arr;
  }
  if (v.is_object()) {
    if (v.size() == 1 && v.begin().key() == kSetTag && v.begin().value().is_array()) {
      std::vector<Json> ms;
      for (const Json& m : v.begin().value()) ms.push_back(Untagged(m));
      return MakeSet(std::move(ms));
    }
    Json o = Json::object();
    for (auto it = v.begin(); it != v.end(); ++it) {
      std::string k = it.key();
      if (!k.empty() && k[0] == '\x01') k[0] = kKeyMark;
      o[k] = Untagged(it.value());
    }
    return o;
  }
  return v;
}

}  // namespace

int Compare(const Json& a, const Json& b) {
  int ra = Rank(a), rb = Rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a.get<bool>() == b.get<bool>() ? 0 : (a.get<bool>() ? 1 : -1);
    case 2:
      return CompareNumbers(a, b);
    case 3: {
      int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case 6:
      return CompareSeq(Items(a), Items(b));
    case 8:
      return CompareSeq(Members(a), Members(b));
    case 7: {                                        // nlohmann objects iterate in sorted key order
      if (HasEncodedKeys(a) || HasEncodedKeys(b)) {  // number keys: compare in Rego key order
        auto ea = SortedEntries(a), eb = SortedEntries(b);
        for (size_t i = 0; i < ea.size() && i < eb.size(); ++i) {
          int c = Compare(ea[i].first, eb[i].first);
          if (c == 0) c = Compare(*ea[i].second, *eb[i].second);
          if (c != 0) return c;
        }
        return ea.size() < eb.size() ? -1 : (ea.size() > eb.size() ? 1 : 0);
      }
      auto ia = a.begin(), ib = b.begin();
      for (; ia != a.end() && ib != b.end(); ++ia, ++ib) {
        int c = ia.key().compare(ib.key());
        if (c != 0) return c < 0 ? -1 : 1;
        c = Compare(ia.value(), ib.value());
        if (c != 0) return c;
      }
      return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
    }
    default:
      return 0;
  }
}

bool Equal(const Json& a, const Json& b) { return Compare(a, b) == 0; }

bool HasEncodedKeys(const Json& obj) {
  if (!obj.is_object() || obj.empty()) return false;
  auto last = obj.end();
  --last;
  return !IsPlainKey(last.key());
}

std::vector<std::pair<Json, const Json*>> SortedEntries(const Json& obj) {
  std::vector<std::pair<Json, const Json*>> out;
  out.reserve(obj.size());
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    out.emplace_back(IsPlainKey(it.key()) ? Json(it.key()) : KeyValue(it.key()), &it.value());
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& x, const auto& y) { return Compare(x.first, y.first) < 0; });
  return out;
}

bool IsSet(const Json& j) {
  if (!j.is_array()) return false;
  const auto& v = j.get_ref<const Json::array_t&>();
  return !v.empty() && v[0].is_discarded();
}

Json EmptySetValue() {
  Json s = Json::array();
  s.push_back(Json(Json::value_t::discarded));
  return s;
}

Json MakeSet(std::vector<Json> members) {
  std::sort(members.begin(), members.end(), Less);
  members.erase(std::unique(members.begin(), members.end(), Equal), members.end());
  Json s = Json::array();
  auto& v = s.get_ref<Json::array_t&>();
  v.reserve(members.size() + 1);
  v.emplace_back(Json::value_t::discarded);
  for (auto& m : members) v.push_back(std::move(m));
  return s;
}

std::span<const Json> Members(const Json& set) {
  if (!IsSet(set)) return {};
  return Items(set).subspan(1);
}

size_t SetSize(const Json& set) { return Members(set).size(); }

const Json* SetFind(const Json& set, const Json& v) {
  auto ms = Members(set);
  auto it = std::lower_bound(ms.begin(), ms.end(), v, Less);
  return it != ms.end() && Equal(*it, v) ? &*it : nullptr;
}

Json SetOp(char op, const Json& a, const Json& b) {
  auto x = Members(a), y = Members(b);
  std::vector<Json> out;
  if (op == '|') {
    std::set_union(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(out), Less);
  } else if (op == '&') {
    std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(out), Less);
  } else {
    std::set_difference(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(out), Less);
  }
  Json s = EmptySetValue();
  auto& v = s.get_ref<Json::array_t&>();
  for (auto& m : out) v.push_back(std::move(m));
  return s;
}

std::optional<std::span<const Json>> Elements(const Json& coll) {
  if (!coll.is_array()) return std::nullopt;
  return IsSet(coll) ? Members(coll) : Items(coll);
}

size_t CollSize(const Json& coll) {
  if (IsSet(coll)) return SetSize(coll);
  return coll.is_array() || coll.is_object() ? coll.size() : 0;
}

std::string KeyOf(const Json& key) {
  if (key.is_string()) return key.get<std::string>();
  if (key.is_number_float()) {
    double d = key.get<double>();
    if (d == std::floor(d) && std::fabs(d) < 9.0e15) return kKeyMark + std::to_string(int64_t(d));
  }
  if (key.is_number() || key.is_boolean() || key.is_null()) return kKeyMark + base::DumpJson(key);
  return kKeyMark + base::DumpJson(Tagged(key));
}

Json KeyValue(const std::string& stored) {
  if (IsPlainKey(stored)) return Json(stored);
  auto j = base::ParseJson(std::string_view(stored).substr(1));
  return j ? Untagged(*j) : Json(stored);
}

bool NeedsToJson(const Json& v) {
  if (v.is_binary()) return true;
  if (v.is_array()) {
    if (IsSet(v)) return true;
    for (const Json& m : v) {
      if (NeedsToJson(m)) return true;
    }
  } else if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!IsPlainKey(it.key()) || NeedsToJson(it.value())) return true;
    }
  }
  return false;
}

const Json* Index(const Json& coll, const Json& key) {
  if (IsSet(coll)) return SetFind(coll, key);
  if (coll.is_object()) {
    auto it =
        key.is_string() ? coll.find(key.get_ref<const std::string&>()) : coll.find(KeyOf(key));
    return it == coll.end() ? nullptr : &*it;
  }
  if (coll.is_array() && key.is_number()) {
    double d = key.get<double>();
    if (!(d >= 0 && d < static_cast<double>(coll.size())) || d != static_cast<size_t>(d)) {
      return nullptr;
    }
    return &coll[static_cast<size_t>(d)];
  }
  return nullptr;
}

Json ToJson(const Json& v) {
  if (!NeedsToJson(v)) return v;
  if (v.is_binary()) return Json(ToDouble(v));  // a big integer leaves as the nearest double
  if (v.is_array()) {
    Json arr = Json::array();
    auto es = Elements(v);
    for (const Json& m : *es) arr.push_back(ToJson(m));
    return arr;
  }
  Json o = Json::object();
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::string k = it.key();
    if (!IsPlainKey(k)) {
      Json kv = KeyValue(k);
      k = kv.is_string() ? kv.get<std::string>() : base::DumpJson(ToJson(kv));
    }
    o[k] = ToJson(it.value());
  }
  return o;
}

std::string TypeNameOf(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number() || IsBigInt(v)) return "number";
  if (v.is_string()) return "string";
  if (IsSet(v)) return "set";
  return v.is_array() ? "array" : "object";
}

std::string RegoText(const Json& v) {
  auto join = [](std::span<const Json> xs) {
    std::string out;
    for (size_t i = 0; i < xs.size(); ++i) out += (i ? ", " : "") + RegoText(xs[i]);
    return out;
  };
  if (auto lit = LiteralText(v)) return *lit;
  if (IsBigInt(v)) return IntegerText(v);
  if (IsSet(v)) return SetSize(v) == 0 ? "set()" : "{" + join(Members(v)) + "}";
  if (v.is_array()) return "[" + join(Items(v)) + "]";
  if (v.is_object()) {
    std::string out = "{";
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it != v.begin()) out += ", ";
      out += RegoText(KeyValue(it.key())) + ": " + RegoText(it.value());
    }
    return out + "}";
  }
  return base::DumpJson(v);
}

void Normalize(Json& arr) {
  if (!arr.is_array()) return;
  std::vector<Json> v;
  v.reserve(arr.size());
  for (auto& e : arr) v.push_back(std::move(e));
  std::sort(v.begin(), v.end(), Less);
  v.erase(std::unique(v.begin(), v.end(), Equal), v.end());
  arr = Json::array();
  for (auto& e : v) arr.push_back(std::move(e));
}

Json NumberFrom(double d) {
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
    return Json(static_cast<int64_t>(d));
  }
  return Json(d);
}

std::optional<Json> Arith(const std::string& op, const Json& a, const Json& b) {
  if (!IsNumeric(a) || !IsNumeric(b)) return std::nullopt;
  bool big = IsBigInt(a) || IsBigInt(b) ||
             (a.is_number_unsigned() && a.get<uint64_t>() > INT64_MAX) ||
             (b.is_number_unsigned() && b.get<uint64_t>() > INT64_MAX);
  if (IsInteger(a) && IsInteger(b) && big) {
    // Exact beyond 64 bits; `/` exact when it divides (7 / 2 is 3.5 below).
    if (auto r = IntegerArith(op[0], a, b)) return r;
    if (op == "%" || (op == "/" && ToDouble(b) == 0)) return std::nullopt;
    if (op != "/") return std::nullopt;
  } else if (big) {  // a big integer and a float: floating point
    double x = ToDouble(a), y = ToDouble(b);
    if (op == "+") return NumberFrom(x + y);
    if (op == "-") return NumberFrom(x - y);
    if (op == "*") return NumberFrom(x * y);
    if (op == "/" && y != 0) return NumberFrom(x / y);
    return std::nullopt;
  }
  if (a.is_number_integer() && b.is_number_integer()) {
    int64_t x = a.get<int64_t>(), y = b.get<int64_t>(), r = 0;
    bool ok = true;
    if (op == "+") {
      ok = !__builtin_add_overflow(x, y, &r);
    } else if (op == "-") {
      ok = !__builtin_sub_overflow(x, y, &r);
    } else if (op == "*") {
      ok = !__builtin_mul_overflow(x, y, &r);
    } else if (op == "%") {
      if (y == 0 || (x == std::numeric_limits<int64_t>::min() && y == -1)) return std::nullopt;
      return Json(x % y);
    } else if (op == "/") {
      if (y != 0 && x % y == 0 && !(x == std::numeric_limits<int64_t>::min() && y == -1)) {
        return Json(x / y);
      }
      ok = false;
    } else {
      ok = false;
    }
    if (ok) return Json(r);
    if (op != "/") return IntegerArith(op[0], a, b);  // beyond 64 bits: exact
  }
  double x = ToDouble(a), y = ToDouble(b);
  if (op == "+") return NumberFrom(x + y);
  if (op == "-") return NumberFrom(x - y);
  if (op == "*") return NumberFrom(x * y);
  if (op == "/") {
    if (y == 0) return std::nullopt;
    return NumberFrom(x / y);
  }
  if (op == "%") {  // OPA: integers only ("modulo on floating-point number")
    if (y == 0 || std::floor(x) != x || std::floor(y) != y) return std::nullopt;
    return NumberFrom(std::fmod(x, y));
  }
  return std::nullopt;
}

}  // namespace cocoon::policy::rego
