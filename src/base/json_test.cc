#include "base/json.h"

#include <gtest/gtest.h>

namespace cocoon::base {
namespace {

TEST(Json, ParseErrorsAreInvalidArgument) {
  auto r = ParseJson("{\"a\":");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

TEST(Json, DepthLimitAtAndPastTheLimit) {
  std::string at(limits::kJsonMaxDepth, '['), past(limits::kJsonMaxDepth + 1, '[');
  at += std::string(limits::kJsonMaxDepth, ']');
  past += std::string(limits::kJsonMaxDepth + 1, ']');
  EXPECT_TRUE(ParseJson(at));
  auto r = ParseJson(past);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("deeper"), std::string::npos);
}

TEST(Json, TypedAccessorsNameTheField) {
  auto j = *ParseJson(R"({"s":"x","i":3,"b":true,"o":{},"a":[]})");
  EXPECT_EQ(*GetString(j, "s"), "x");
  EXPECT_EQ(*GetInt(j, "i"), 3);
  EXPECT_TRUE(*GetBool(j, "b"));
  EXPECT_TRUE(GetObject(j, "o"));
  EXPECT_TRUE(GetArray(j, "a"));
  auto e = GetString(j, "i");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message().find("\"i\""), std::string::npos);
  EXPECT_FALSE(GetString(j, "missing"));
  EXPECT_EQ(*GetStringOr(j, "missing", "d"), "d");
  EXPECT_FALSE(GetString(Json::array(), "s"));
}

TEST(Json, PointerLookupNeverThrows) {
  auto j = *ParseJson(R"({"a":{"b":[1,2]}})");
  ASSERT_NE(FindPointer(j, "/a/b/1"), nullptr);
  EXPECT_EQ(*FindPointer(j, "/a/b/1"), 2);
  EXPECT_EQ(FindPointer(j, "/a/b/9"), nullptr);
  EXPECT_EQ(FindPointer(j, "/a/b/x"), nullptr);
  EXPECT_EQ(FindPointer(j, "no-slash"), nullptr);
}

}  // namespace
}  // namespace cocoon::base
