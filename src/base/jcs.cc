// RFC 8785 canonicalisation (§3.2.2 primitives, §3.2.3 key sorting).
#include "base/jcs.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace cocoon::base {
namespace {

// Decodes UTF-8 into UTF-16 code units; false on invalid UTF-8.
bool ToUtf16(const std::string& s, std::u16string* out) {
  out->clear();
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    uint32_t cp;
    size_t n;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      n = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      n = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      n = 4;
    } else
      return false;
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      uint8_t cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out->push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out->push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out->push_back(static_cast<char16_t>(cp));
    }
    i += n;
  }
  return true;
}

Status AppendString(const std::string& s, std::string* out) {
  std::u16string probe;
  if (!ToUtf16(s, &probe)) return InvalidArgument("JCS: string is not valid UTF-8");
  out->push_back('"');
  for (char ch : s) {
    uint8_t c = static_cast<uint8_t>(ch);
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
  return Ok();
}

Status Append(const Json& v, std::string* out) {
  switch (v.type()) {
    case Json::value_t::null:
      *out += "null";
      return Ok();
    case Json::value_t::boolean:
      *out += v.get<bool>() ? "true" : "false";
      return Ok();
    case Json::value_t::number_integer: {
      int64_t i = v.get<int64_t>();
      if (i > (int64_t{1} << 53) || i < -(int64_t{1} << 53)) {
        *out += FormatEcmaNumber(static_cast<double>(i));
      } else {
        *out += std::to_string(i);
      }
      return Ok();
    }
    case Json::value_t::number_unsigned: {
      uint64_t u = v.get<uint64_t>();
      *out +=
          u > (uint64_t{1} << 53) ? FormatEcmaNumber(static_cast<double>(u)) : std::to_string(u);
      return Ok();
    }
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (!std::isfinite(d)) return InvalidArgument("JCS: non-finite number");
      *out += FormatEcmaNumber(d);
      return Ok();
    }
    case Json::value_t::string:
      return AppendString(v.get_ref<const std::string&>(), out);
    case Json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out->push_back(',');
        first = false;
        TRY(Append(e, out));
      }
      out->push_back(']');
      return Ok();
    }
    case Json::value_t::object: {
      std::vector<std::pair<std::u16string, const std::string*>> keys;
      keys.reserve(v.size());
      for (auto it = v.begin(); it != v.end(); ++it) {
        std::u16string k16;
        if (!ToUtf16(it.key(), &k16)) return InvalidArgument("JCS: key is not valid UTF-8");
        keys.emplace_back(std::move(k16), &it.key());
      }
      std::sort(keys.begin(), keys.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out->push_back('{');
      bool first = true;
      for (const auto& [k16, key] : keys) {
        if (!first) out->push_back(',');
        first = false;
        TRY(AppendString(*key, out));
        out->push_back(':');
        TRY(Append(v.at(*key), out));
      }
      out->push_back('}');
      return Ok();
    }
    case Json::value_t::binary:
    case Json::value_t::discarded:
      break;
  }
  return InvalidArgument("JCS: unsupported JSON value");
}

}  // namespace

std::string FormatEcmaNumber(double v) {
  if (v == 0) return "0";  // also -0
  std::string sign = v < 0 ? "-" : "";
  v = std::fabs(v);
  // Shortest round-trip digits in scientific form: d[.ddd]e±x
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp10 = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : mant)
    if (c != '.') digits.push_back(c);
  int k = static_cast<int>(digits.size());
  int n = exp10 + 1;  // value = 0.digits * 10^n
  std::string out;
  if (k <= n && n <= 21) {
    out = digits + std::string(n - k, '0');
  } else if (0 < n && n <= 21) {
    out = digits.substr(0, n) + "." + digits.substr(n);
  } else if (-6 < n && n <= 0) {
    out = "0." + std::string(-n, '0') + digits;
  } else {
    int e2 = n - 1;
    std::string es = (e2 >= 0 ? "+" : "-") + std::to_string(std::abs(e2));
    out = k == 1 ? digits + "e" + es : digits.substr(0, 1) + "." + digits.substr(1) + "e" + es;
  }
  return sign + out;
}

Result<std::string> Canonicalize(const Json& value) {
  std::string out;
  TRY(Append(value, &out));
  return out;
}

}  // namespace cocoon::base
