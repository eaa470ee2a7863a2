// Arbitrary-precision integers for Rego numbers (see bigint.h): sign and magnitude, the
// magnitude in base 10^9 limbs, least significant first. Schoolbook algorithms: the numbers
// policies meet (serials, big literals) have a few dozen digits.
#include "policy/rego/bigint.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <vector>

namespace cocoon::policy::rego {
namespace {

constexpr uint32_t kBase = 1000000000;

struct Big {
  bool neg = false;
  std::vector<uint32_t> mag;  // no high zero limbs; empty = 0

  void Trim() {
    while (!mag.empty() && mag.back() == 0) mag.pop_back();
    if (mag.empty()) neg = false;
  }
};

Big FromText(std::string_view s) {
  Big b;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    b.neg = s[0] == '-';
    s.remove_prefix(1);
  }
  for (size_t end = s.size(); end > 0;) {
    size_t start = end >= 9 ? end - 9 : 0;
    uint32_t limb = 0;
    std::from_chars(s.data() + start, s.data() + end, limb);
    b.mag.push_back(limb);
    end = start;
  }
  b.Trim();
  return b;
}

std::string ToText(const Big& b) {
  if (b.mag.empty()) return "0";
  std::string s = std::to_string(b.mag.back());
  for (size_t i = b.mag.size() - 1; i-- > 0;) {
    std::string limb = std::to_string(b.mag[i]);
    s += std::string(9 - limb.size(), '0') + limb;
  }
  return b.neg ? "-" + s : s;
}

int CmpMag(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

std::vector<uint32_t> AddMag(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> r;
  uint64_t carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    uint64_t s = carry + (i < a.size() ? a[i] : 0) + (i < b.size() ? b[i] : 0);
    r.push_back(static_cast<uint32_t>(s % kBase));
    carry = s / kBase;
  }
  return r;
}

// a - b for |a| >= |b|.
std::vector<uint32_t> SubMag(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> r;
  int64_t borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int64_t d = static_cast<int64_t>(a[i]) - borrow - (i < b.size() ? b[i] : 0);
    borrow = d < 0;
    if (d < 0) d += kBase;
    r.push_back(static_cast<uint32_t>(d));
  }
  while (!r.empty() && r.back() == 0) r.pop_back();
  return r;
}

Big Add(const Big& a, const Big& b) {
  Big r;
  if (a.neg == b.neg) {
    r.mag = AddMag(a.mag, b.mag);
    r.neg = a.neg;
  } else if (CmpMag(a.mag, b.mag) >= 0) {
    r.mag = SubMag(a.mag, b.mag);
    r.neg = a.neg;
  } else {
    r.mag = SubMag(b.mag, a.mag);
    r.neg = b.neg;
  }
  r.Trim();
  return r;
}

Big Mul(const Big& a, const Big& b) {
  Big r;
  r.mag.assign(a.mag.size() + b.mag.size() + 1, 0);
  for (size_t i = 0; i < a.mag.size(); ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < b.mag.size() || carry; ++j) {
      uint64_t cur = r.mag[i + j] + carry +
                     (j < b.mag.size() ? static_cast<uint64_t>(a.mag[i]) * b.mag[j] : 0);
      r.mag[i + j] = static_cast<uint32_t>(cur % kBase);
      carry = cur / kBase;
    }
  }
  r.neg = a.neg != b.neg;
  r.Trim();
  return r;
}

// Truncated division (Go's big.Int Quo/Rem): |q| = |a| / |b|, r has a's sign. b != 0.
void DivMod(const Big& a, const Big& b, Big& q, Big& r) {
  q = Big();
  r = Big();
  std::vector<uint32_t> rem;
  q.mag.assign(a.mag.size(), 0);
  for (size_t i = a.mag.size(); i-- > 0;) {
    rem.insert(rem.begin(), a.mag[i]);  // rem = rem * base + limb
    while (!rem.empty() && rem.back() == 0) rem.pop_back();
    uint32_t lo = 0, hi = kBase - 1;  // largest d with b*d <= rem
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo + 1) / 2;
      Big t = Mul(Big{false, b.mag}, Big{false, {mid}});
      if (CmpMag(t.mag, rem) <= 0) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    if (lo) rem = SubMag(rem, Mul(Big{false, b.mag}, Big{false, {lo}}).mag);
    q.mag[i] = lo;
  }
  q.neg = a.neg != b.neg;
  q.Trim();
  r.mag = rem;
  r.neg = a.neg;
  r.Trim();
}

Big ToBig(const Json& j) { return FromText(IntegerText(j)); }

}  // namespace

bool IsBigInt(const Json& j) {
  return j.is_binary() && j.get_binary().has_subtype() &&
         (j.get_binary().subtype() == kBigIntSubtype ||
          j.get_binary().subtype() == kBigLiteralSubtype);
}

namespace {

// The integer digits ("-" then digits) a literal writes, or nullopt.
std::optional<std::string> LiteralDigits(std::string_view s) {
  std::string sign;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    if (s[0] == '-') sign = "-";
    s.remove_prefix(1);
  }
  size_t e = s.find_first_of("eE");
  std::string_view mant = s.substr(0, e);
  int64_t exp = 0;
  if (e != std::string_view::npos) {
    std::string_view x = s.substr(e + 1);
    bool neg = !x.empty() && x[0] == '-';
    if (!x.empty() && (x[0] == '-' || x[0] == '+')) x.remove_prefix(1);
    auto [p, ec] = std::from_chars(x.data(), x.data() + x.size(), exp);
    if (x.empty() || ec != std::errc() || p != x.data() + x.size() || exp > 4096) {
      return std::nullopt;
    }
    if (neg) exp = -exp;
  }
  size_t dot = mant.find('.');
  std::string digits(mant.substr(0, dot));
  if (dot != std::string_view::npos) {
    digits += mant.substr(dot + 1);
    exp -= static_cast<int64_t>(mant.size() - dot - 1);
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  for (; exp < 0; ++exp) {  // a fraction that is all zeros leaves an integer
    if (digits.back() != '0') return std::nullopt;
    digits.pop_back();
    if (digits.empty()) digits = "0";
  }
  size_t first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? "0" : digits.substr(first);
  if (digits.size() + static_cast<size_t>(exp) > 4096) return std::nullopt;
  if (digits != "0") digits.append(static_cast<size_t>(exp), '0');
  return sign + digits;
}

}  // namespace

std::optional<Json> IntegerFromLiteral(std::string_view literal) {
  if (!LiteralDigits(literal)) return std::nullopt;
  return Json::binary(std::vector<std::uint8_t>(literal.begin(), literal.end()),
                      kBigLiteralSubtype);
}

std::optional<std::string> LiteralText(const Json& j) {
  if (!j.is_binary() || !j.get_binary().has_subtype() ||
      j.get_binary().subtype() != kBigLiteralSubtype) {
    return std::nullopt;
  }
  return std::string(j.get_binary().begin(), j.get_binary().end());
}

bool IsInteger(const Json& j) { return j.is_number_integer() || IsBigInt(j); }

bool IsNumeric(const Json& j) { return j.is_number() || IsBigInt(j); }

std::optional<Json> IntegerFromText(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 4096) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  Big b = FromText(text);
  std::string norm = ToText(b);
  int64_t i;
  if (auto [p, ec] = std::from_chars(norm.data(), norm.data() + norm.size(), i);
      ec == std::errc() && p == norm.data() + norm.size()) {
    return Json(i);
  }
  uint64_t u;
  if (auto [p, ec] = std::from_chars(norm.data(), norm.data() + norm.size(), u);
      ec == std::errc() && p == norm.data() + norm.size()) {
    return Json(u);
  }
  return Json::binary(std::vector<std::uint8_t>(norm.begin(), norm.end()), kBigIntSubtype);
}

Json IntegerFromBytes(ByteSpan be) {
  Big r;
  for (uint8_t byte : be) {
    r = Mul(r, Big{false, {256}});
    r = Add(r, Big{false, {byte}});
  }
  return *IntegerFromText(ToText(r));
}

std::string IntegerText(const Json& j) {
  if (auto lit = LiteralText(j)) return LiteralDigits(*lit).value_or("0");
  if (IsBigInt(j)) {
    const auto& v = j.get_binary();
    return std::string(v.begin(), v.end());
  }
  if (j.is_number_unsigned()) return std::to_string(j.get<uint64_t>());
  if (j.is_number_integer()) return std::to_string(j.get<int64_t>());
  return "0";
}

double ToDouble(const Json& j) {
  if (IsBigInt(j)) return std::strtod(IntegerText(j).c_str(), nullptr);
  return j.is_number() ? j.get<double>() : 0;
}

int CompareIntegers(const Json& a, const Json& b) {
  Big x = ToBig(a), y = ToBig(b);
  if (x.neg != y.neg) return x.neg ? -1 : 1;
  int c = CmpMag(x.mag, y.mag);
  return x.neg ? -c : c;
}

std::optional<Json> IntegerArith(char op, const Json& a, const Json& b) {
  Big x = ToBig(a), y = ToBig(b), r;
  switch (op) {
    case '+':
      r = Add(x, y);
      break;
    case '-':
      y.neg = !y.neg && !y.mag.empty();
      r = Add(x, y);
      break;
    case '*':
      r = Mul(x, y);
      break;
    case '%':
    case '/': {
      if (y.mag.empty()) return std::nullopt;
      Big q, m;
      DivMod(x, y, q, m);
      if (op == '/') {
        if (!m.mag.empty()) return std::nullopt;
        r = q;
      } else {
        r = m;
      }
      break;
    }
    default:
      return std::nullopt;
  }
  return IntegerFromText(ToText(r));
}

}  // namespace cocoon::policy::rego
