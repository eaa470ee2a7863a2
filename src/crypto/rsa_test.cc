// RSA key-transport tests: round trips per padding, tamper/wrong-key/wrong-padding errors.
#include "crypto/rsa.h"

#include <gtest/gtest.h>

namespace cocoon::crypto {
namespace {

const PrivateKey& Key() {
  static const PrivateKey* key = new PrivateKey(PrivateKey::Generate(KeyType::kRsa).value());
  return *key;
}

const RsaPadding kPaddings[] = {RsaPadding::kOaepSha1, RsaPadding::kOaepSha256,
                                RsaPadding::kPkcs1v15};

TEST(RsaTest, RoundTripEveryPadding) {
  Bytes cek(32, 0x5a);
  for (RsaPadding p : kPaddings) {
    auto ct = RsaEncrypt(Key().public_key(), p, cek);
    ASSERT_TRUE(ct.has_value()) << ct.error().ToString();
    EXPECT_EQ(ct->size(), 256u);
    auto pt = RsaDecrypt(Key(), p, *ct);
    ASSERT_TRUE(pt.has_value()) << pt.error().ToString();
    EXPECT_EQ(Bytes(pt->span().begin(), pt->span().end()), cek);
    // Randomised padding: encrypting twice gives different ciphertexts.
    EXPECT_NE(*ct, RsaEncrypt(Key().public_key(), p, cek).value());
  }
}

TEST(RsaTest, TamperedCiphertextIsUnauthenticated) {
  for (RsaPadding p : {RsaPadding::kOaepSha1, RsaPadding::kOaepSha256}) {
    Bytes ct = RsaEncrypt(Key().public_key(), p, Bytes(16, 1)).value();
    ct[100] ^= 0x01;
    auto r = RsaDecrypt(Key(), p, ct);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  }
}

TEST(RsaTest, WrongPaddingOrKeyIsUnauthenticated) {
  Bytes ct = RsaEncrypt(Key().public_key(), RsaPadding::kOaepSha1, Bytes(16, 1)).value();
  auto wrong_md = RsaDecrypt(Key(), RsaPadding::kOaepSha256, ct);
  ASSERT_FALSE(wrong_md.has_value());
  EXPECT_EQ(wrong_md.error().code(), Code::kUnauthenticated);
  auto wrong_pad = RsaDecrypt(Key(), RsaPadding::kPkcs1v15, ct);
  ASSERT_FALSE(wrong_pad.has_value());
  EXPECT_EQ(wrong_pad.error().code(), Code::kUnauthenticated);
  PrivateKey other = PrivateKey::Generate(KeyType::kRsa).value();
  auto wrong_key = RsaDecrypt(other, RsaPadding::kOaepSha1, ct);
  ASSERT_FALSE(wrong_key.has_value());
  EXPECT_EQ(wrong_key.error().code(), Code::kUnauthenticated);
}

TEST(RsaTest, WrongLengthCiphertextIsRejected) {
  auto r = RsaDecrypt(Key(), RsaPadding::kOaepSha256, Bytes(255, 1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
}

TEST(RsaTest, NonRsaKeyIsInvalidArgument) {
  PrivateKey ec = PrivateKey::Generate(KeyType::kEcP256).value();
  auto enc = RsaEncrypt(ec.public_key(), RsaPadding::kOaepSha256, Bytes(16, 1));
  ASSERT_FALSE(enc.has_value());
  EXPECT_EQ(enc.error().code(), Code::kInvalidArgument);
  auto dec = RsaDecrypt(ec, RsaPadding::kOaepSha256, Bytes(256, 1));
  ASSERT_FALSE(dec.has_value());
  EXPECT_EQ(dec.error().code(), Code::kInvalidArgument);
}

TEST(RsaTest, PlaintextTooLongIsInvalidArgument) {
  // OAEP-SHA256 on a 2048-bit key carries at most 256 - 2*32 - 2 = 190 bytes.
  EXPECT_TRUE(RsaEncrypt(Key().public_key(), RsaPadding::kOaepSha256, Bytes(190, 1)).has_value());
  auto r = RsaEncrypt(Key().public_key(), RsaPadding::kOaepSha256, Bytes(191, 1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::crypto
