#include "base/byte_reader.h"

#include <gtest/gtest.h>

namespace cocoon::base {
namespace {

TEST(ByteReader, ReadsLittleAndBigEndian) {
  Bytes b = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  ByteReader r(b);
  EXPECT_EQ(*r.U16Le(), 0x0201);
  EXPECT_EQ(*r.U32Be(), 0x03040506u);
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(r.ExpectEnd());
}

TEST(ByteReader, RefusesToOverrun) {
  Bytes b = {0x01, 0x02, 0x03};
  ByteReader r(b);
  auto v = r.U32Le("header.version");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code(), Code::kInvalidArgument);
  EXPECT_NE(v.error().message().find("header.version"), std::string::npos);
  EXPECT_EQ(r.offset(), 0u);  // nothing consumed on failure
  EXPECT_TRUE(r.Take(3));
  EXPECT_FALSE(r.U8());
}

TEST(ByteReader, SubReaderIsBounded) {
  Bytes b = {1, 2, 3, 4};
  ByteReader r(b);
  auto sub = r.Sub(2);
  ASSERT_TRUE(sub);
  EXPECT_TRUE(sub->Take(2));
  EXPECT_FALSE(sub->U8());
  EXPECT_EQ(*r.U8(), 3);
  EXPECT_FALSE(r.Skip(2));
  EXPECT_FALSE(r.ExpectEnd());
}

}  // namespace
}  // namespace cocoon::base
