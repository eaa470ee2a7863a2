#include "base/encoding.h"

#include <gtest/gtest.h>

namespace cocoon::base {
namespace {

TEST(Encoding, HexRoundTrip) {
  Bytes b = {0x00, 0xAB, 0xff};
  EXPECT_EQ(HexEncode(b), "00abff");
  EXPECT_EQ(*HexDecode("00ABff"), b);
  EXPECT_EQ(HexDecode("0").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(HexDecode("zz").error().code(), Code::kInvalidArgument);
}

TEST(Encoding, Base64Rfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* std_enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  const char* url_enc[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Base64Encode(std::string_view(plain[i])), std_enc[i]);
    EXPECT_EQ(Base64UrlEncode(std::string_view(plain[i])), url_enc[i]);
    EXPECT_EQ(ToString(*Base64Decode(std_enc[i])), plain[i]);
    EXPECT_EQ(ToString(*Base64UrlDecode(url_enc[i])), plain[i]);
  }
}

TEST(Encoding, Base64IsStrict) {
  EXPECT_FALSE(Base64Decode("Zg"));       // missing padding
  EXPECT_FALSE(Base64Decode("Zh=="));     // non-zero trailing bits
  EXPECT_FALSE(Base64Decode("Zm9v\n"));   // whitespace
  EXPECT_FALSE(Base64Decode("Zm-_"));     // url alphabet
  EXPECT_FALSE(Base64UrlDecode("Zg=="));  // padding in base64url
  EXPECT_FALSE(Base64UrlDecode("Zm+/"));  // std alphabet
  EXPECT_FALSE(Base64UrlDecode("Z"));     // impossible length
  EXPECT_EQ(Base64UrlDecode("Z").error().code(), Code::kInvalidArgument);
}

TEST(Encoding, Base64AnyAcceptsBothAlphabets) {
  EXPECT_EQ(*Base64DecodeAny("-_8="), *Base64UrlDecode("-_8"));
  EXPECT_EQ(*Base64DecodeAny("+/8="), *Base64Decode("+/8="));
}

}  // namespace
}  // namespace cocoon::base
