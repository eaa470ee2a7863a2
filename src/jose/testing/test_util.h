// Helpers shared by the jose unit and interop tests (test-only; not part of cocoon_jose).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "base/encoding.h"
#include "base/json.h"

namespace cocoon::jose::testing {

inline std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses a JSON file; a failing test (empty object) if it cannot.
inline Json LoadJson(const std::string& path) {
  auto j = base::ParseJson(ReadFileOrEmpty(path));
  EXPECT_TRUE(j.has_value()) << path;
  return j ? *j : Json::object();
}

inline Json ParseOrFail(std::string_view text) {
  auto j = base::ParseJson(text);
  EXPECT_TRUE(j.has_value()) << text;
  return j ? *j : Json();
}

// Flips the lowest bit of the first decoded byte of a base64url string.
inline std::string FlipB64(const std::string& b64, size_t byte_index = 0) {
  auto bytes = base::Base64UrlDecode(b64);
  EXPECT_TRUE(bytes.has_value());
  if (!bytes || bytes->size() <= byte_index) return b64 + "A";
  (*bytes)[byte_index] ^= 0x01;
  return base::Base64UrlEncode(*bytes);
}

inline Bytes B64(std::string_view s) {
  auto b = base::Base64UrlDecode(s);
  EXPECT_TRUE(b.has_value()) << s;
  return b ? *b : Bytes{};
}

}  // namespace cocoon::jose::testing

#define ASSERT_OK(expr)                                                   \
  do {                                                                    \
    const auto& cocoon_ok_ = (expr);                                      \
    ASSERT_TRUE(cocoon_ok_.has_value()) << cocoon_ok_.error().ToString(); \
  } while (0)

#define EXPECT_CODE(expr, expected_code)                                                      \
  do {                                                                                        \
    const auto& cocoon_code_ = (expr);                                                        \
    ASSERT_FALSE(cocoon_code_.has_value());                                                   \
    EXPECT_EQ(cocoon_code_.error().code(), expected_code) << cocoon_code_.error().ToString(); \
  } while (0)
