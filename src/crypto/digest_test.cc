// Known-answer tests for SHA-2 (FIPS 180-2 "abc") and HMAC (RFC 4231 test case 2).
#include "crypto/digest.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/random.h"
#include "crypto/secret_bytes.h"

namespace cocoon::crypto {
namespace {

std::string Hex(ByteSpan b) { return base::HexEncode(b); }

TEST(DigestTest, ShaAbcVectors) {
  EXPECT_EQ(Hex(Sha256(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha384(AsBytes("abc"))),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7");
  EXPECT_EQ(Hex(Sha512(AsBytes("abc"))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(DigestTest, EmptyInput) {
  EXPECT_EQ(Hex(Sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(DigestTest, HasherMatchesOneShotAndResets) {
  Hasher h(HashAlg::kSha384);
  h.Update(AsBytes("a"));
  h.Update(AsBytes(""));
  h.Update(AsBytes("bc"));
  EXPECT_EQ(h.Finish(), Sha384(AsBytes("abc")));
  h.Update(AsBytes("abc"));  // reset after Finish: a second digest starts fresh
  EXPECT_EQ(h.Finish(), Sha384(AsBytes("abc")));
}

TEST(DigestTest, HasherMove) {
  Hasher a(HashAlg::kSha512);
  a.Update(AsBytes("ab"));
  Hasher b = std::move(a);
  b.Update(AsBytes("c"));
  EXPECT_EQ(b.Finish(), Sha512(AsBytes("abc")));
}

TEST(DigestTest, HmacRfc4231Case2) {
  ByteSpan key = AsBytes("Jefe");
  ByteSpan data = AsBytes("what do ya want for nothing?");
  EXPECT_EQ(Hex(Hmac(HashAlg::kSha256, key, data)),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(Hex(Hmac(HashAlg::kSha384, key, data)),
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
            "8e2240ca5e69e2c78b3239ecfab21649");
  EXPECT_EQ(Hex(Hmac(HashAlg::kSha512, key, data)),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST(DigestTest, HmacEmptyKeyAndData) {
  // HMAC-SHA256("", "") — a well-known value.
  EXPECT_EQ(Hex(Hmac(HashAlg::kSha256, {}, {})),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(DigestTest, ParseAndNames) {
  for (HashAlg alg : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
    auto parsed = ParseHashAlg(HashAlgName(alg));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, alg);
    EXPECT_EQ(Digest(alg, AsBytes("x")).size(), DigestSize(alg));
  }
  for (std::string_view bad : {"SHA256", "sha1", "md5", "", "sha-256"}) {
    auto r = ParseHashAlg(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  }
}

TEST(SecretBytesTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abc")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abd")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abcd")));
  EXPECT_TRUE(ConstantTimeEquals({}, {}));
}

TEST(SecretBytesTest, MoveResizeClone) {
  SecretBytes a = SecretBytes::FromString("secret");
  SecretBytes b = std::move(a);
  EXPECT_EQ(b.view(), "secret");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is defined empty
  b.resize(3);
  EXPECT_EQ(b.view(), "sec");
  b.resize(100);
  EXPECT_EQ(b.size(), 100u);
  EXPECT_EQ(b.view().substr(0, 3), "sec");
  EXPECT_EQ(b.data()[99], 0);
  SecretBytes c = b.Clone();
  EXPECT_TRUE(ConstantTimeEquals(b.span(), c.span()));
  c = SecretBytes::FromString("x");
  EXPECT_EQ(c.view(), "x");
}

TEST(RandomTest, BytesDifferAndFill) {
  auto a = RandomBytes(32);
  auto b = RandomBytes(32);
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  auto empty = RandomBytes(0);
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace cocoon::crypto
