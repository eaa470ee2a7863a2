// Builtins added for OPA conformance: array.flatten, base64url.encode, numbers.range_step,
// bits.lsh beyond 64 bits, json.is_valid of non-strings, json.remove and json.filter.
#include <algorithm>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "policy/rego/bigint.h"
#include "policy/rego/builtins.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {
namespace {

// One level: [[1], 2, [3, [4]]] is [1, 2, 3, [4]].
Opt ArrayFlatten(const Args& a) {
  if (!IsArray(a[0])) return std::nullopt;
  Json out = Json::array();
  for (const Json& e : a[0]) {
    if (IsArray(e)) {
      for (const Json& x : e) out.push_back(x);
    } else {
      out.push_back(e);
    }
  }
  return out;
}

Opt Base64UrlEncode(const Args& a) {
  if (!a[0].is_string()) return std::nullopt;
  std::string s = base::Base64Encode(a[0].get<std::string>());
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return Json(s);
}

// numbers.range_step(a, b, step): a, a±step, … up to b, in a's direction to b.
Opt RangeStep(const Args& a) {
  if (!a[0].is_number_integer() || !a[1].is_number_integer() || !IsInteger(a[2]) ||
      a[0].is_number_unsigned() || a[1].is_number_unsigned()) {
    return std::nullopt;
  }
  int64_t x = a[0].get<int64_t>(), y = a[1].get<int64_t>();
  if (CompareIntegers(a[2], Json(0)) <= 0) {
    SetBuiltinError("eval_builtin_error", "step must be a positive integer");
    return std::nullopt;
  }
  if (!a[2].is_number_integer() || a[2].is_number_unsigned()) return Json::array({x});  // huge step
  int64_t step = a[2].get<int64_t>();
  __int128 span = static_cast<__int128>(x > y ? x - y : y - x);
  if (span / step > 100000) return std::nullopt;  // bounded output
  Json out = Json::array();
  if (x <= y) {
    for (__int128 i = x; i <= y; i += step) out.push_back(static_cast<int64_t>(i));
  } else {
    for (__int128 i = x; i >= y; i -= step) out.push_back(static_cast<int64_t>(i));
  }
  return out;
}

// bits.lsh(x, s): x * 2^s, exact beyond 64 bits.
Opt Lsh(const Args& a) {
  if (!IsInteger(a[0]) || !a[1].is_number_integer() || a[1].get<int64_t>() < 0) return std::nullopt;
  int64_t s = a[1].get<int64_t>();
  if (s > 4096) return std::nullopt;
  Json r = a[0];
  Json two = Json(2);
  for (int64_t i = 0; i < s; ++i) {
    auto next = IntegerArith('*', r, two);
    if (!next) return std::nullopt;
    r = std::move(*next);
  }
  return r;
}

Opt JsonIsValid(const Args& a) {
  if (!a[0].is_string()) return Json(false);
  return Json(base::ParseJson(a[0].get<std::string>()).has_value());
}

// A json.remove / json.filter path: "a/b/0" (leading "/" optional, ~1 and ~0 unescaped) or
// ["a", "b", 0]. nullopt (with OPA's type error) for anything else.
std::optional<std::vector<Json>> PathOf(const Json& p, const char* fn) {
  std::vector<Json> segs;
  if (p.is_string()) {
    std::string s = p.get<std::string>();
    if (!s.empty() && s[0] == '/') s.erase(0, 1);
    size_t b = 0;
    while (true) {
      size_t e = s.find('/', b);
      std::string seg = s.substr(b, e == std::string::npos ? std::string::npos : e - b);
      std::string un;
      for (size_t i = 0; i < seg.size(); ++i) {
        if (seg[i] == '~' && i + 1 < seg.size() && (seg[i + 1] == '0' || seg[i + 1] == '1')) {
          un += seg[++i] == '0' ? '~' : '/';
        } else {
          un += seg[i];
        }
      }
      segs.emplace_back(un);
      if (e == std::string::npos) break;
      b = e + 1;
    }
    return segs;
  }
  if (IsArray(p)) {
    for (const Json& s : p) segs.push_back(s);
    return segs;
  }
  SetBuiltinError("eval_type_error",
                  std::string(fn) +
                      ": operand 2 must be one of {set, array} containing string "
                      "paths or array of path segments but got " +
                      TypeNameOf(p));
  return std::nullopt;
}

// The child of `v` a path segment names: an object key, or an array index.
const Json* Child(const Json& v, const Json& seg, std::string* key, size_t* index) {
  if (v.is_object()) {
    *key = seg.is_string() ? seg.get<std::string>() : KeyOf(seg);
    auto it = v.find(*key);
    return it == v.end() ? nullptr : &*it;
  }
  if (IsArray(v)) {
    int64_t i = -1;
    if (seg.is_number_integer()) {
      i = seg.get<int64_t>();
    } else if (seg.is_string()) {
      const std::string& s = seg.get_ref<const std::string&>();
      if (!s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos) {
        i = std::stoll(s);
      }
    }
    if (i < 0 || static_cast<size_t>(i) >= v.size()) return nullptr;
    *index = static_cast<size_t>(i);
    return &v[*index];
  }
  return nullptr;
}

void RemovePath(Json& v, const std::vector<Json>& segs, size_t i) {
  if (i >= segs.size()) return;
  std::string key;
  size_t index = 0;
  const Json* c = Child(v, segs[i], &key, &index);
  if (!c) return;
  if (i + 1 == segs.size()) {
    if (v.is_object()) {
      v.erase(key);
    } else {
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(index));
    }
    return;
  }
  Json& child = v.is_object() ? v[key] : v[index];
  RemovePath(child, segs, i + 1);
}

// Paths as a tree: each node's children by segment; a node that ends a path keeps it all.
// Two parallel vectors: std::pair cannot hold the incomplete Tree (clang's libstdc++ check).
struct Tree {
  bool whole = false;
  std::vector<Json> segs;
  std::vector<Tree> kids;  // kids[i] is the subtree under segs[i]
  Tree& Kid(const Json& seg);
};

Tree& Tree::Kid(const Json& seg) {
  for (size_t i = 0; i < segs.size(); ++i) {
    if (Equal(segs[i], seg)) return kids[i];
  }
  segs.push_back(seg);
  kids.emplace_back();
  return kids.back();
}

Json FilterTree(const Json& v, const Tree& t) {
  if (t.whole) return v;
  if (v.is_object()) {
    Json out = Json::object();
    for (size_t k = 0; k < t.segs.size(); ++k) {
      std::string key;
      size_t index = 0;
      if (const Json* c = Child(v, t.segs[k], &key, &index)) out[key] = FilterTree(*c, t.kids[k]);
    }
    return out;
  }
  if (IsArray(v)) {
    std::vector<std::pair<size_t, Json>> picked;
    for (size_t k = 0; k < t.segs.size(); ++k) {
      std::string key;
      size_t index = 0;
      if (const Json* c = Child(v, t.segs[k], &key, &index))
        picked.emplace_back(index, FilterTree(*c, t.kids[k]));
    }
    std::sort(picked.begin(), picked.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    Json out = Json::array();
    for (auto& [i, e] : picked) out.push_back(std::move(e));
    return out;
  }
  return v;
}

Opt JsonRemove(const Args& a) {
  if (!a[0].is_object()) return std::nullopt;
  auto paths = Elements(a[1]);
  if (!paths) return std::nullopt;
  Json out = a[0];
  for (const Json& p : *paths) {
    auto segs = PathOf(p, "json.remove");
    if (!segs) return std::nullopt;
    RemovePath(out, *segs, 0);
  }
  return out;
}

Opt JsonFilter(const Args& a) {
  if (!a[0].is_object()) return std::nullopt;
  auto paths = Elements(a[1]);
  if (!paths) return std::nullopt;
  Tree root;
  for (const Json& p : *paths) {
    auto segs = PathOf(p, "json.filter");
    if (!segs) return std::nullopt;
    Tree* t = &root;
    for (const Json& s : *segs) t = &t->Kid(s);
    t->whole = true;
  }
  return FilterTree(a[0], root);
}

}  // namespace

const std::vector<std::pair<std::string, Builtin>>& ExtraBuiltins() {
  static const auto* t = new std::vector<std::pair<std::string, Builtin>>{
      {"array.flatten", {1, ArrayFlatten}},   {"base64url.encode", {1, Base64UrlEncode}},
      {"numbers.range_step", {3, RangeStep}}, {"bits.lsh", {2, Lsh}},
      {"json.is_valid", {1, JsonIsValid}},    {"json.remove", {2, JsonRemove}},
      {"json.filter", {2, JsonFilter}},
  };
  return *t;
}

}  // namespace cocoon::policy::rego
