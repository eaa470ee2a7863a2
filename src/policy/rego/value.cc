// Rego value ordering and arithmetic (see value.h).
#include "policy/rego/value.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace cocoon::policy::rego {
namespace {

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
      return 4;
    case Json::value_t::object:
      return 6;
    default:
      return 7;
  }
}

int CompareNumbers(const Json& a, const Json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    int64_t x = a.get<int64_t>(), y = b.get<int64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  double x = a.get<double>(), y = b.get<double>();
  return x < y ? -1 : (x > y ? 1 : 0);
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
    case 4: {
      size_t n = std::min(a.size(), b.size());
      for (size_t i = 0; i < n; ++i) {
        int c = Compare(a[i], b[i]);
        if (c != 0) return c;
      }
      return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
    }
    case 6: {  // nlohmann objects iterate in sorted key order
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

void Normalize(Json& arr) {
  if (!arr.is_array()) return;
  std::vector<Json> v;
  v.reserve(arr.size());
  for (auto& e : arr) v.push_back(std::move(e));
  std::sort(v.begin(), v.end(), [](const Json& x, const Json& y) { return Compare(x, y) < 0; });
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
  if (!a.is_number() || !b.is_number()) return std::nullopt;
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
    } else {
      ok = false;
    }
    if (ok) return Json(r);
  }
  double x = a.get<double>(), y = b.get<double>();
  if (op == "+") return NumberFrom(x + y);
  if (op == "-") return NumberFrom(x - y);
  if (op == "*") return NumberFrom(x * y);
  if (op == "/") {
    if (y == 0) return std::nullopt;
    return NumberFrom(x / y);
  }
  if (op == "%") {
    if (y == 0) return std::nullopt;
    return NumberFrom(std::fmod(x, y));
  }
  return std::nullopt;
}

}  // namespace cocoon::policy::rego
