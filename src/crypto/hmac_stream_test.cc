#include "crypto/hmac_stream.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cocoon::crypto {
namespace {

TEST(HmacStreamTest, ChunkedEqualsOneShot) {
  Bytes key(32, 0x0b), data(100000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  auto h = HmacStream::Create(HashAlg::kSha256, key);
  ASSERT_TRUE(h.has_value());
  ByteSpan rest(data);
  size_t step = 1;
  while (!rest.empty()) {
    size_t n = std::min(step, rest.size());
    ASSERT_TRUE(h->Update(rest.first(n)).has_value());
    rest = rest.subspan(n);
    step = step * 3 + 1;
  }
  auto mac = h->Finish();
  ASSERT_TRUE(mac.has_value());
  EXPECT_EQ(*mac, Hmac(HashAlg::kSha256, key, data));
  EXPECT_EQ(h->Finish().error().code(), Code::kFailedPrecondition);
}

TEST(HmacStreamTest, Rfc4231Case2) {
  auto h = HmacStream::Create(HashAlg::kSha256, AsBytes("Jefe"));
  ASSERT_TRUE(h.has_value());
  ASSERT_TRUE(h->Update(AsBytes("what do ya want ")).has_value());
  ASSERT_TRUE(h->Update(AsBytes("for nothing?")).has_value());
  EXPECT_EQ(base::HexEncode(*h->Finish()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacStreamTest, EmptyKeyRejected) {
  EXPECT_EQ(HmacStream::Create(HashAlg::kSha256, {}).error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::crypto
