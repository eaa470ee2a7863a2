// Rego built-in functions (see builtins.h): aggregates, strings, objects, arrays, sets,
// type checks, encoding. Each returns nullopt (undefined) on wrong argument types.
#include "policy/rego/builtins.h"

#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <string>

#include "base/encoding.h"
#include "policy/rego/bigint.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {
namespace {

Opt Sum(const Args& a) {
  auto xs = Elements(a[0]);
  if (!xs) return std::nullopt;
  Json acc = 0;
  for (auto& x : *xs) {
    auto r = Arith("+", acc, x);
    if (!r) return std::nullopt;
    acc = *r;
  }
  return acc;
}

Opt Extreme(const Json& xs, bool max) {
  auto es = Elements(xs);
  if (!es || es->empty()) return std::nullopt;
  Json best = (*es)[0];
  for (auto& x : *es) {
    int c = Compare(x, best);
    if (max ? c > 0 : c < 0) best = x;
  }
  return best;
}
Opt Max(const Args& a) { return Extreme(a[0], true); }
Opt Min(const Args& a) { return Extreme(a[0], false); }

Opt Concat(const Args& a) {
  const std::string* sep = Str(a[0]);
  auto xs = Elements(a[1]);
  if (!sep || !xs) return std::nullopt;
  std::string out;
  bool first = true;
  for (auto& x : *xs) {
    const std::string* s = Str(x);
    if (!s) return std::nullopt;
    if (!first) out += *sep;
    out += *s;
    first = false;
  }
  return Json(out);
}

Opt StartsWith(const Args& a) {
  return WithStrings<2>(
      a, [](const std::string& x, const std::string& y) { return Json(x.starts_with(y)); });
}
Opt EndsWith(const Args& a) {
  return WithStrings<2>(
      a, [](const std::string& x, const std::string& y) { return Json(x.ends_with(y)); });
}
Opt Contains(const Args& a) {
  return WithStrings<2>(a, [](const std::string& x, const std::string& y) {
    return Json(x.find(y) != std::string::npos);
  });
}

void PutUtf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// lower / upper by Unicode code point (Go's unicode.ToLower / ToUpper: simple case mappings,
// from glibc's C.UTF-8 tables; ASCII only where that locale is missing). Invalid UTF-8 bytes
// become U+FFFD, as Go's strings.Map writes them.
Opt Case(const Json& j, bool upper) {
  const std::string* s = Str(j);
  if (!s) return std::nullopt;
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  std::string out;
  out.reserve(s->size());
  const auto* p = reinterpret_cast<const unsigned char*>(s->data());
  size_t n = s->size();
  for (size_t i = 0; i < n;) {
    unsigned char b = p[i];
    if (b < 0x80) {
      out += static_cast<char>(upper ? std::toupper(b) : std::tolower(b));
      ++i;
      continue;
    }
    int len = b >= 0xF0 && b < 0xF5 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0;
    uint32_t c = len == 4 ? b & 0x07 : len == 3 ? b & 0x0F : b & 0x1F;
    bool ok = len > 0 && i + len <= n;
    for (int k = 1; ok && k < len; ++k) {
      ok = (p[i + k] & 0xC0) == 0x80;
      c = (c << 6) | (p[i + k] & 0x3F);
    }
    ok = ok && !(len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) &&
         !(len == 4 && (c < 0x10000 || c > 0x10FFFF));
    if (!ok) {
      PutUtf8(out, 0xFFFD);
      ++i;
      continue;
    }
    if (utf8) {
      c = static_cast<uint32_t>(upper ? towupper_l(static_cast<wint_t>(c), utf8)
                                      : towlower_l(static_cast<wint_t>(c), utf8));
    }
    PutUtf8(out, c);
    i += len;
  }
  return Json(out);
}
Opt Lower(const Args& a) { return Case(a[0], false); }
Opt Upper(const Args& a) { return Case(a[0], true); }

Opt Replace(const Args& a) {
  const std::string* s = Str(a[0]);
  const std::string* old = Str(a[1]);
  const std::string* nw = Str(a[2]);
  if (!s || !old || !nw || old->empty()) return std::nullopt;
  std::string out;
  size_t start = 0;
  while (true) {
    size_t p = s->find(*old, start);
    if (p == std::string::npos) break;
    out += s->substr(start, p - start) + *nw;
    start = p + old->size();
  }
  return Json(out + s->substr(start));
}

Opt ToNumber(const Args& a) {
  const Json& v = a[0];
  if (IsNumeric(v)) return v;
  if (v.is_boolean()) return Json(v.get<bool>() ? 1 : 0);
  if (v.is_null()) return Json(0);
  const std::string* s = Str(v);
  if (!s) return std::nullopt;
  std::string lower;
  for (char c : *s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view bare = lower;
  if (!bare.empty() && (bare[0] == '-' || bare[0] == '+')) bare.remove_prefix(1);
  if (bare == "nan" || bare == "inf" || bare == "infinity") {  // Go parses them; OPA refuses
    SetBuiltinError("eval_type_error", "operand 1 must be a finite number");
    return std::nullopt;
  }
  auto j = s->empty() || s->size() > 64 ? Result<Json>(Json()) : base::ParseJson(*s, 2);
  if (!j || !j->is_number()) {
    SetBuiltinError("eval_builtin_error",
                    "strconv.ParseFloat: parsing " + Json(*s).dump() + ": invalid syntax");
    return std::nullopt;
  }
  return *j;
}

Json MergeObjects(const Json& a, const Json& b) {
  if (!a.is_object() || !b.is_object()) return b;
  Json out = a;
  for (auto it = b.begin(); it != b.end(); ++it) {
    auto f = out.find(it.key());
    out[it.key()] = f == out.end() ? it.value() : MergeObjects(*f, it.value());
  }
  return out;
}
Opt ObjectUnion(const Args& a) {
  if (!a[0].is_object() || !a[1].is_object()) return std::nullopt;
  return MergeObjects(a[0], a[1]);
}
Opt ObjectUnionN(const Args& a) {
  auto xs = Elements(a[0]);
  if (!xs) return std::nullopt;
  Json out = Json::object();
  for (auto& o : *xs) {
    if (!o.is_object()) {
      SetBuiltinError(
          "eval_type_error",
          "operand 1 must be array of objects but got array containing " + TypeNameOf(o));
      return std::nullopt;
    }
    out = MergeObjects(out, o);
  }
  return out;
}

bool Subset(const Json& sup, const Json& sub) {
  if (sup.is_object() && sub.is_object()) {
    for (auto it = sub.begin(); it != sub.end(); ++it) {
      auto f = sup.find(it.key());
      if (f == sup.end() || !Subset(*f, it.value())) return false;
    }
    return true;
  }
  if (IsSet(sup) && IsSet(sub)) {
    for (const Json& x : Members(sub)) {
      if (!SetContains(sup, x)) return false;
    }
    return true;
  }
  if (IsSet(sup) && sub.is_array()) {
    for (const Json& x : sub) {
      if (!SetContains(sup, x)) return false;
    }
    return true;
  }
  if (IsArray(sup) && IsSet(sub)) {  // every member of the set is in the array
    for (const Json& x : Members(sub)) {
      if (std::none_of(sup.begin(), sup.end(), [&](const Json& y) { return Equal(x, y); })) {
        return false;
      }
    }
    return true;
  }
  if (IsArray(sup) && IsArray(sub)) {
    for (auto& x : sub) {
      if (std::none_of(sup.begin(), sup.end(), [&](const Json& y) { return Equal(x, y); })) {
        return false;
      }
    }
    return true;
  }
  return Equal(sup, sub);
}
Opt ObjectSubset(const Args& a) { return Json(Subset(a[0], a[1])); }

// object.get(obj, key, default); a key that is an array is a path into nested documents.
Opt ObjectGet(const Args& a) {
  if (!a[0].is_object()) return std::nullopt;
  if (!IsArray(a[1])) {
    const Json* at = Index(a[0], a[1]);
    return at ? *at : a[2];
  }
  const Json* cur = &a[0];
  for (const Json& k : a[1]) {
    cur = cur->is_object() || cur->is_array() ? Index(*cur, k) : nullptr;
    if (!cur) return a[2];
  }
  return *cur;
}

Opt ObjectKeys(const Args& a) {
  if (!a[0].is_object()) return std::nullopt;
  std::vector<Json> keys;
  for (auto it = a[0].begin(); it != a[0].end(); ++it) keys.push_back(KeyValue(it.key()));
  return MakeSet(std::move(keys));
}

// union/intersection of a set of sets.
Opt SetFold(const Json& sets, char op) {
  if (!IsSet(sets)) return std::nullopt;
  auto ss = Members(sets);
  if (ss.empty()) return EmptySetValue();
  Json out = ss[0];
  for (const Json& s : ss) {
    if (!IsSet(s)) return std::nullopt;
    out = SetOp(op, out, s);
  }
  return out;
}
Opt Union(const Args& a) { return SetFold(a[0], '|'); }
Opt Intersection(const Args& a) { return SetFold(a[0], '&'); }

Opt ArrayConcat(const Args& a) {
  if (!IsArray(a[0]) || !IsArray(a[1])) return std::nullopt;
  Json out = a[0];
  for (auto& x : a[1]) out.push_back(x);
  return out;
}

Opt ArraySlice(const Args& a) {
  if (!IsArray(a[0]) || !a[1].is_number_integer() || !a[2].is_number_integer()) {
    return std::nullopt;
  }
  int64_t n = static_cast<int64_t>(a[0].size());
  int64_t b = std::clamp<int64_t>(a[1].get<int64_t>(), 0, n);
  int64_t e = std::clamp<int64_t>(a[2].get<int64_t>(), b, n);
  Json out = Json::array();
  for (int64_t i = b; i < e; ++i) out.push_back(a[0][i]);
  return out;
}

Opt JsonUnmarshal(const Args& a) {
  const std::string* s = Str(a[0]);
  if (!s) return std::nullopt;
  auto j = base::ParseJson(*s);
  if (!j) return std::nullopt;
  return *j;
}
Opt JsonMarshal(const Args& a) { return Json(base::DumpJson(ToJson(a[0]))); }

template <Result<Bytes> (*Decode)(std::string_view)>
Opt DecodeStr(const Args& a) {
  const std::string* s = Str(a[0]);
  if (!s) return std::nullopt;
  auto b = Decode(*s);
  if (!b) {
    if constexpr (Decode == base::HexDecode) {  // Go's encoding/hex wording
      for (unsigned char c : *s) {
        if (!std::isxdigit(c)) {
          char buf[64];
          std::snprintf(buf, sizeof buf, "encoding/hex: invalid byte: U+%04X '%c'", c, c);
          SetBuiltinError("eval_builtin_error", buf);
          return std::nullopt;
        }
      }
      SetBuiltinError("eval_builtin_error", "encoding/hex: odd length hex string");
    } else {
      SetBuiltinError("eval_builtin_error", "illegal base64 data");
    }
    return std::nullopt;
  }
  return Json(std::string(b->begin(), b->end()));
}
Opt Base64Enc(const Args& a) {
  const std::string* s = Str(a[0]);
  return s ? Opt(Json(base::Base64Encode(*s))) : std::nullopt;
}
Opt HexEnc(const Args& a) {
  const std::string* s = Str(a[0]);
  return s ? Opt(Json(base::HexEncode(AsBytes(*s)))) : std::nullopt;
}

template <bool (Json::*Pred)() const noexcept>
Opt Is(const Args& a) {
  return Json((a[0].*Pred)());
}
Opt IsSetFn(const Args& a) { return Json(IsSet(a[0])); }
Opt IsArrayFn(const Args& a) { return Json(IsArray(a[0])); }

Opt TypeName(const Args& a) { return Json(TypeNameOf(a[0])); }
Opt IsNumberFn(const Args& a) { return Json(IsNumeric(a[0])); }

Opt Abs(const Args& a) {
  if (!IsNumeric(a[0])) return std::nullopt;
  return Compare(a[0], Json(0)) < 0 ? Arith("-", Json(0), a[0]) : Opt(a[0]);
}

Opt Sort(const Args& a) {
  auto xs = Elements(a[0]);
  if (!xs) return std::nullopt;
  std::vector<Json> v(xs->begin(), xs->end());
  std::sort(v.begin(), v.end(), [](const Json& x, const Json& y) { return Compare(x, y) < 0; });
  return Json(v);
}

const std::map<std::string, Builtin, std::less<>>& Table() {
  static auto* t = new std::map<std::string, Builtin, std::less<>>{
      {"sum", {1, Sum}},
      {"max", {1, Max}},
      {"min", {1, Min}},
      {"abs", {1, Abs}},
      {"sort", {1, Sort}},
      {"concat", {2, Concat}},
      {"startswith", {2, StartsWith}},
      {"endswith", {2, EndsWith}},
      {"contains", {2, Contains}},
      {"lower", {1, Lower}},
      {"upper", {1, Upper}},
      {"replace", {3, Replace}},
      {"to_number", {1, ToNumber}},
      {"object.union", {2, ObjectUnion}},
      {"object.union_n", {1, ObjectUnionN}},
      {"object.subset", {2, ObjectSubset}},
      {"object.get", {3, ObjectGet}},
      {"object.keys", {1, ObjectKeys}},
      {"union", {1, Union}},
      {"intersection", {1, Intersection}},
      {"array.concat", {2, ArrayConcat}},
      {"array.slice", {3, ArraySlice}},
      {"json.unmarshal", {1, JsonUnmarshal}},
      {"json.marshal", {1, JsonMarshal}},
      {"base64.decode", {1, DecodeStr<base::Base64DecodeAny>}},
      {"base64url.decode", {1, DecodeStr<base::Base64DecodeAny>}},
      {"base64.encode", {1, Base64Enc}},
      {"hex.decode", {1, DecodeStr<base::HexDecode>}},
      {"hex.encode", {1, HexEnc}},
      {"is_string", {1, Is<&Json::is_string>}},
      {"is_number", {1, IsNumberFn}},
      {"is_boolean", {1, Is<&Json::is_boolean>}},
      {"is_null", {1, Is<&Json::is_null>}},
      {"is_array", {1, IsArrayFn}},
      {"is_object", {1, Is<&Json::is_object>}},
      {"is_set", {1, IsSetFn}},
      {"type_name", {1, TypeName}},
  };
  for (const auto& [name, b] : ExtBuiltins()) t->emplace(name, b);
  for (const auto& [name, b] : StringBuiltins()) t->insert_or_assign(name, b);
  for (const auto& [name, b] : MoreBuiltins()) t->insert_or_assign(name, b);
  for (const auto& [name, b] : TimeBuiltins()) t->insert_or_assign(name, b);
  for (const auto& [name, b] : X509Builtins()) t->insert_or_assign(name, b);
  for (const auto& [name, b] : ExtraBuiltins()) t->insert_or_assign(name, b);
  return *t;
}

}  // namespace

const Builtin* FindBuiltin(std::string_view name) {
  auto it = Table().find(name);
  return it == Table().end() ? nullptr : &it->second;
}

}  // namespace cocoon::policy::rego
