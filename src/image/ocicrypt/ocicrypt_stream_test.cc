#include "image/ocicrypt/ocicrypt_stream.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/aes.h"
#include "crypto/digest.h"
#include "testutil/string_streams.h"

namespace cocoon::image {
namespace {

using testutil::StringSink;

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131) ^ (i >> 7));
  return s;
}

// Writes `data` in varying chunk sizes (1, 4, 13, … bytes).
Status WriteChunked(Sink& sink, std::string_view data) {
  size_t step = 1;
  while (!data.empty()) {
    size_t n = std::min(step, data.size());
    TRY(sink.Write(AsBytes(data.substr(0, n))));
    data.remove_prefix(n);
    step = (step * 3 + 1) % 200000;
  }
  return Ok();
}

struct Sealed {
  LayerKey key;
  std::string ciphertext;
  std::string hmac_b64;
};

Sealed Encrypt(const std::string& plain) {
  StringSink out;
  EncryptingSink enc(&out);
  EXPECT_TRUE(WriteChunked(enc, plain).has_value());
  EXPECT_TRUE(enc.Finish().has_value());
  EXPECT_TRUE(out.finished);
  return {enc.key().Clone(), out.out, base::Base64Encode(enc.hmac())};
}

TEST(OcicryptStreamTest, EncryptMatchesOneShotCtrAndHmac) {
  const std::string plain = Pattern(300001);
  Sealed s = Encrypt(plain);
  ASSERT_EQ(s.key.symkey.size(), 32u);
  ASSERT_EQ(s.key.nonce.size(), 16u);
  auto ctr = crypto::AesCtr::Create(s.key.symkey.span(), s.key.nonce);
  Bytes expect(plain.size());
  ASSERT_TRUE(ctr->Update(AsBytes(plain), expect).has_value());
  EXPECT_EQ(ToBytes(s.ciphertext), expect);
  EXPECT_EQ(s.hmac_b64, base::Base64Encode(
                            crypto::Hmac(crypto::HashAlg::kSha256, s.key.symkey.span(), expect)));
  EXPECT_NE(Encrypt(plain).ciphertext, s.ciphertext);  // fresh key and nonce per layer
}

TEST(OcicryptStreamTest, DecryptRoundTrip) {
  const std::string plain = Pattern(1 << 20);
  Sealed s = Encrypt(plain);
  StringSink out;
  DecryptingSink dec(s.key, s.hmac_b64, &out);
  ASSERT_TRUE(WriteChunked(dec, s.ciphertext).has_value());
  ASSERT_TRUE(dec.Finish().has_value());
  EXPECT_TRUE(out.finished);
  EXPECT_EQ(out.out, plain);
  EXPECT_EQ(dec.Finish().error().code(), Code::kFailedPrecondition);
}

TEST(OcicryptStreamTest, FlippedByteIsDataLossAtFinish) {
  Sealed s = Encrypt(Pattern(70000));
  s.ciphertext[65537] ^= 0x01;
  StringSink out;
  DecryptingSink dec(s.key, s.hmac_b64, &out);
  ASSERT_TRUE(dec.Write(AsBytes(s.ciphertext)).has_value());
  auto r = dec.Finish();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kDataLoss);
  EXPECT_EQ(r.error().message(), "layer HMAC mismatch");
  EXPECT_FALSE(out.finished);  // the consumer never sees a successful end of stream
  EXPECT_EQ(dec.Write(AsBytes("x")).error().code(), Code::kDataLoss);
}

TEST(OcicryptStreamTest, TruncatedOrWrongKeyIsDataLoss) {
  Sealed s = Encrypt(Pattern(5000));
  DecryptingSink truncated(s.key, s.hmac_b64, nullptr);
  ASSERT_TRUE(truncated.Write(AsBytes(s.ciphertext).first(4999)).has_value());
  EXPECT_EQ(truncated.Finish().error().code(), Code::kDataLoss);
  LayerKey other = s.key.Clone();
  other.symkey.data()[0] ^= 1;
  DecryptingSink wrong(other, s.hmac_b64, nullptr);
  ASSERT_TRUE(wrong.Write(AsBytes(s.ciphertext)).has_value());
  EXPECT_EQ(wrong.Finish().error().code(), Code::kDataLoss);
}

TEST(OcicryptStreamTest, MalformedParametersAreInvalidArgument) {
  Sealed s = Encrypt("abc");
  DecryptingSink bad_hmac(s.key, "not base64", nullptr);
  EXPECT_EQ(bad_hmac.Write(AsBytes("abc")).error().code(), Code::kInvalidArgument);
  LayerKey short_nonce = s.key.Clone();
  short_nonce.nonce.resize(12);
  DecryptingSink bad_nonce(short_nonce, s.hmac_b64, nullptr);
  EXPECT_EQ(bad_nonce.Finish().error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::image
