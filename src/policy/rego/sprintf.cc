// sprintf as OPA defines it: Go's fmt verbs over OPA's argument mapping (integers as int,
// other numbers as float64, strings as string, every other value as its Rego text).
#include "policy/rego/sprintf.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/encoding.h"
#include "policy/rego/bigint.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {
namespace {

struct Spec {
  bool minus = false, plus = false, space = false, zero = false, sharp = false;
  int width = -1, prec = -1;
  char verb = 0;
};

enum class Kind { kInt, kUint, kBig, kFloat, kString };  // kBig: decimal text in s

struct Arg {
  Kind kind = Kind::kString;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
  std::string s;
  const char* GoType() const {
    return kind == Kind::kInt     ? "int"
           : kind == Kind::kUint  ? "uint64"
           : kind == Kind::kBig   ? "*big.Int"
           : kind == Kind::kFloat ? "float64"
                                  : "string";
  }
};

Arg Make(Kind k, int64_t i, uint64_t u, double f, std::string s) {
  Arg a;
  a.kind = k;
  a.i = i;
  a.u = u;
  a.f = f;
  a.s = std::move(s);
  return a;
}

Arg ToArg(const Json& v) {
  // OPA formats a number it cannot hold as int64, big.Int or float64 by its text.
  if (auto lit = LiteralText(v)) return Make(Kind::kString, 0, 0, 0, *lit);
  if (IsBigInt(v)) return Make(Kind::kBig, 0, 0, 0, IntegerText(v));
  if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) {
    return Make(Kind::kUint, 0, v.get<uint64_t>(), 0, "");
  }
  if (v.is_number_integer()) return Make(Kind::kInt, v.get<int64_t>(), 0, 0, "");
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
      return Make(Kind::kInt, static_cast<int64_t>(d), 0, 0, "");
    }
    return Make(Kind::kFloat, 0, 0, d, "");
  }
  if (v.is_string()) return Make(Kind::kString, 0, 0, 0, v.get<std::string>());
  return Make(Kind::kString, 0, 0, 0, RegoText(v));
}

std::string Pad(std::string body, const Spec& sp, bool numeric) {
  if (sp.width < 0 || static_cast<int>(body.size()) >= sp.width) return body;
  size_t fill = sp.width - body.size();
  if (sp.minus) return body + std::string(fill, ' ');
  if (sp.zero && numeric) {
    size_t sign = !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ') ? 1 : 0;
    if (body.compare(sign, 2, "0x") == 0 || body.compare(sign, 2, "0X") == 0) sign += 2;
    return body.substr(0, sign) + std::string(fill, '0') + body.substr(sign);
  }
  return std::string(fill, ' ') + body;
}

std::string Signed(bool neg, std::string digits, const Spec& sp) {
  if (sp.prec >= 0 && static_cast<int>(digits.size()) < sp.prec) {
    digits = std::string(sp.prec - digits.size(), '0') + digits;
  }
  return (neg ? "-" : sp.plus ? "+" : sp.space ? " " : "") + digits;
}

std::string Digits(uint64_t u, int base, bool upper) {
  if (u == 0) return "0";
  const char* d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (; u; u /= base) out.insert(out.begin(), d[u % base]);
  return out;
}

std::string Bad(const Spec& sp, const Arg& a) {
  std::string val;
  switch (a.kind) {
    case Kind::kInt:
      val = std::to_string(a.i);
      break;
    case Kind::kUint:
      val = std::to_string(a.u);
      break;
    case Kind::kBig:
      val = a.s;
      break;
    case Kind::kFloat:
      val = GoFloat(a.f, 'g', -1);
      break;
    case Kind::kString:
      val = a.s;
      break;
  }
  return std::string("%!") + sp.verb + "(" + a.GoType() + "=" + val + ")";
}

std::string FormatInt(const Spec& sp, const Arg& a) {
  if (a.kind == Kind::kBig) {  // Go's *big.Int formats d, s and v in decimal
    if (sp.verb != 'd' && sp.verb != 's' && sp.verb != 'v') return Bad(sp, a);
    bool neg = !a.s.empty() && a.s[0] == '-';
    return Signed(neg, neg ? a.s.substr(1) : a.s, sp);
  }
  bool neg = a.kind == Kind::kInt && a.i < 0;
  uint64_t mag = a.kind == Kind::kUint ? a.u : neg ? 0 - static_cast<uint64_t>(a.i) : a.i;
  switch (sp.verb) {
    case 'd':
    case 'v':
      return Signed(neg, Digits(mag, 10, false), sp);
    case 'x':
    case 'X':
      return Signed(
          neg, (sp.sharp ? (sp.verb == 'x' ? "0x" : "0X") : "") + Digits(mag, 16, sp.verb == 'X'),
          sp);
    case 'o':
      return Signed(neg, (sp.sharp ? "0" : "") + Digits(mag, 8, false), sp);
    case 'b':
      return Signed(neg, Digits(mag, 2, false), sp);
    case 'c':
      return a.kind == Kind::kInt && a.i >= 0 && a.i < 0x110000 ? Utf8(static_cast<uint32_t>(a.i))
                                                                : Bad(sp, a);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case 's':
    case 'q':
    case 't':
    default:
      return Bad(sp, a);
  }
}

std::string FormatFloat(const Spec& sp, const Arg& a) {
  char v = sp.verb == 'v' ? 'g' : sp.verb;
  if (v != 'e' && v != 'E' && v != 'f' && v != 'F' && v != 'g' && v != 'G') return Bad(sp, a);
  int prec = sp.prec >= 0 ? sp.prec : (v == 'g' || v == 'G' ? -1 : 6);
  std::string s = GoFloat(a.f, v == 'F' ? 'f' : v, prec);
  if (s[0] != '-' && (sp.plus || sp.space)) s = (sp.plus ? "+" : " ") + s;
  return s;
}

std::string QuoteGo(const std::string& s) { return base::DumpJson(Json(s)); }

std::string FormatString(const Spec& sp, const Arg& a) {
  std::string s = a.s;
  switch (sp.verb) {
    case 's':
    case 'v':
      if (sp.prec >= 0) s = Utf8Prefix(s, sp.prec);
      return s;
    case 'q':
      return QuoteGo(s);
    case 'x':
    case 'X': {
      std::string h = base::HexEncode(AsBytes(s));
      if (sp.verb == 'X') {
        for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      return h;
    }
    default:
      return Bad(sp, a);
  }
}

// Parses one "%…verb" starting after '%'; returns the index of the verb.
size_t ParseSpec(const std::string& f, size_t i, Spec& sp) {
  for (; i < f.size(); ++i) {
    char c = f[i];
    if (c == '-')
      sp.minus = true;
    else if (c == '+')
      sp.plus = true;
    else if (c == ' ')
      sp.space = true;
    else if (c == '0')
      sp.zero = true;
    else if (c == '#')
      sp.sharp = true;
    else
      break;
  }
  auto num = [&](int& out) {
    if (i >= f.size() || !std::isdigit(static_cast<unsigned char>(f[i]))) return;
    out = 0;
    while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i])) && out < 10000) {
      out = out * 10 + (f[i++] - '0');
    }
  };
  num(sp.width);
  if (i < f.size() && f[i] == '.') {
    ++i;
    sp.prec = 0;
    num(sp.prec);
  }
  sp.verb = i < f.size() ? f[i] : 0;
  return i;
}

}  // namespace

std::string GoFloat(double d, char verb, int prec) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[512];
  if (prec < 0) {  // shortest representation that round-trips, Go's %v / strconv 'g' -1
    for (int p = 1; p <= 17; ++p) {
      std::snprintf(buf, sizeof buf, "%.*g", p, d);
      if (std::strtod(buf, nullptr) == d) break;
    }
    std::string s = buf;
    // Go writes exponents with at least two digits (1e+21), as C does; and uses 'e' only when
    // the exponent is < -4 or >= 21 for shortest %v.
    int exp = d == 0 ? 0 : static_cast<int>(std::floor(std::log10(std::fabs(d))));
    if (exp >= -4 && exp < 21 && s.find('e') != std::string::npos) {
      std::snprintf(buf, sizeof buf, "%.17f", d);
      s = buf;
      for (int p = 0; p <= 17; ++p) {
        std::snprintf(buf, sizeof buf, "%.*f", p, d);
        if (std::strtod(buf, nullptr) == d) {
          s = buf;
          break;
        }
      }
    }
    return s;
  }
  const char fmt[] = {'%', '.', '*', verb, 0};
  std::snprintf(buf, sizeof buf, fmt, std::min(prec, 100), d);
  return buf;
}

std::string Utf8(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

std::string Utf8Prefix(const std::string& s, size_t n) {
  size_t i = 0;
  for (size_t count = 0; i < s.size() && count < n; ++count) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return s.substr(0, i);
}

std::optional<std::string> Sprintf(const std::string& f, std::span<const Json> args) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out.push_back(f[i]);
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '%') {
      out.push_back('%');
      ++i;
      continue;
    }
    Spec sp;
    i = ParseSpec(f, i + 1, sp);
    if (!sp.verb) {
      out += "%!(NOVERB)";
      break;
    }
    if (next >= args.size()) {
      out += std::string("%!") + sp.verb + "(MISSING)";
      continue;
    }
    Arg a = ToArg(args[next++]);
    std::string body = a.kind == Kind::kString  ? FormatString(sp, a)
                       : a.kind == Kind::kFloat ? FormatFloat(sp, a)
                                                : FormatInt(sp, a);
    out += Pad(std::move(body), sp, a.kind != Kind::kString);
  }
  if (next < args.size()) {
    out += "%!(EXTRA ";
    for (size_t j = next; j < args.size(); ++j) {
      Arg a = ToArg(args[j]);
      if (j > next) out += ", ";
      Spec v;
      v.verb = 'v';
      std::string val = a.kind == Kind::kString  ? a.s
                        : a.kind == Kind::kFloat ? GoFloat(a.f, 'g', -1)
                                                 : FormatInt(v, a);
      out += std::string(a.GoType()) + "=" + val;
    }
    out += ")";
  }
  return out;
}

}  // namespace cocoon::policy::rego
