#include "base/jcs.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace cocoon::base {
namespace {

TEST(Jcs, SortsKeysAndDropsWhitespace) {
  auto j = ParseJson(R"({"b":1, "a":"test", "c":{"d":"e"}})");
  ASSERT_TRUE(j);
  EXPECT_EQ(*Canonicalize(*j), R"({"a":"test","b":1,"c":{"d":"e"}})");
}

TEST(Jcs, Rfc8785NumberFormatting) {
  EXPECT_EQ(FormatEcmaNumber(1e21), "1e+21");
  EXPECT_EQ(FormatEcmaNumber(1e20), "100000000000000000000");
  EXPECT_EQ(FormatEcmaNumber(0.000001), "0.000001");
  EXPECT_EQ(FormatEcmaNumber(1e-7), "1e-7");
  EXPECT_EQ(FormatEcmaNumber(-0.0), "0");
  EXPECT_EQ(FormatEcmaNumber(4.5), "4.5");
  EXPECT_EQ(FormatEcmaNumber(333333333.33333329), "333333333.3333333");
  EXPECT_EQ(FormatEcmaNumber(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(FormatEcmaNumber(5e-324), "5e-324");
}

TEST(Jcs, Rfc8785StringAndSortingVector) {
  // RFC 8785 §3.2.3 sorting example: keys compared as UTF-16 code units.
  auto j = ParseJson(
      "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet "
      "With Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":"
      "\"Control\",\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}");
  ASSERT_TRUE(j);
  auto c = Canonicalize(*j);
  ASSERT_TRUE(c);
  std::vector<std::string> order = {
      "\\r", "1", "\xc2\x80", "\xc3\xb6", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xac\xb3"};
  size_t pos = 0;
  for (const auto& k : order) {
    size_t p = c->find("\"" + k + "\"", pos);
    ASSERT_NE(p, std::string::npos) << k;
    pos = p;
  }
}

TEST(Jcs, EscapesControlCharacters) {
  Json j = std::string("a\x01\"\\\n/");
  EXPECT_EQ(*Canonicalize(j), "\"a\\u0001\\\"\\\\\\n/\"");
}

TEST(Jcs, RejectsInvalidUtf8) {
  Json j = std::string("\xff");
  EXPECT_EQ(Canonicalize(j).error().code(), Code::kInvalidArgument);
}

TEST(Jcs, TrusteeRuntimeDataVector) {
  std::ifstream f(COCOON_TESTDATA_DIR "/sample/rcar-sample-synthetic-vector.json");
  std::stringstream ss;
  ss << f.rdbuf();
  auto v = ParseJson(ss.str());
  ASSERT_TRUE(v);
  const Json& att = (*v)["attestation"];
  Json rd = {{"tee-pubkey", att["runtime-data"]["tee-pubkey"]},
             {"nonce", att["runtime-data"]["nonce"]},
             {"additional-evidence", ""}};
  EXPECT_EQ(*Canonicalize(rd), (*v)["primary_runtime_data_jcs"].get<std::string>());
}

}  // namespace
}  // namespace cocoon::base
