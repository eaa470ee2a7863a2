// Strict RFC 4648 codecs, written against the spec (no library has the strictness we want).
#include "base/encoding.h"

#include <array>

namespace cocoon::base {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::array<int8_t, 256> MakeTable(const char* alphabet) {
  std::array<int8_t, 256> t;
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  return t;
}

std::string Encode(ByteSpan data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = data[i] << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out += "=";
  }
  return out;
}

// Decodes unpadded text in `alphabet`; `name` is used in errors.
Result<Bytes> DecodeUnpadded(std::string_view text, const std::array<int8_t, 256>& table,
                             std::string_view name) {
  if (text.size() % 4 == 1) {
    return InvalidArgument(std::string(name) + ": invalid length " + std::to_string(text.size()));
  }
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    int8_t v = table[static_cast<uint8_t>(text[i])];
    if (v < 0) {
      return InvalidArgument(std::string(name) + ": invalid character at position " +
                             std::to_string(i));
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return InvalidArgument(std::string(name) + ": non-zero trailing bits");
  return out;
}

const std::array<int8_t, 256>& StdTable() {
  static const auto t = MakeTable(kStd);
  return t;
}
const std::array<int8_t, 256>& UrlTable() {
  static const auto t = MakeTable(kUrl);
  return t;
}

}  // namespace

std::string HexEncode(ByteSpan data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

Result<Bytes> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0)
    return InvalidArgument("hex: odd length " + std::to_string(text.size()));
  Bytes out(text.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return InvalidArgument("hex: invalid character at position " + std::to_string(2 * i));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string Base64Encode(ByteSpan data) { return Encode(data, kStd, true); }
std::string Base64UrlEncode(ByteSpan data) { return Encode(data, kUrl, false); }

Result<Bytes> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return InvalidArgument("base64: length " + std::to_string(text.size()) +
                           " is not a multiple of 4");
  }
  size_t pad = 0;
  if (!text.empty() && text.back() == '=')
    pad = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
  return DecodeUnpadded(text.substr(0, text.size() - pad), StdTable(), "base64");
}

Result<Bytes> Base64UrlDecode(std::string_view text) {
  return DecodeUnpadded(text, UrlTable(), "base64url");
}

Result<Bytes> Base64DecodeAny(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  bool url = text.find_first_of("-_") != std::string_view::npos;
  return DecodeUnpadded(text, url ? UrlTable() : StdTable(), url ? "base64url" : "base64");
}

}  // namespace cocoon::base
