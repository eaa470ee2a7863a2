// AES tests: GCM spec test cases 14-16, SP 800-38A CTR vectors, RFC 3394 key wrap vectors.
#include "crypto/aes.h"

#include <gtest/gtest.h>

#include "crypto/testing/test_util.h"

namespace cocoon::crypto {
namespace {

using testing::Unhex;

const char kK15[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
const char kP15[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
const char kC15[] =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
const char kIv15[] = "cafebabefacedbaddecaf888";

TEST(AesGcmTest, SpecTestCase14) {
  Bytes key(32, 0), iv(12, 0), pt(16, 0);
  auto sealed = AesGcmEncrypt(key, iv, {}, pt);
  ASSERT_TRUE(sealed.has_value()) << sealed.error().ToString();
  EXPECT_EQ(sealed->ciphertext, Unhex("cea7403d4d606b6e074ec5d3baf39d18"));
  EXPECT_EQ(sealed->tag, Unhex("d0d1c8a799996bf0265b98b5d48ab919"));
}

TEST(AesGcmTest, SpecTestCase15) {
  auto sealed = AesGcmEncrypt(Unhex(kK15), Unhex(kIv15), {}, Unhex(kP15));
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->ciphertext, Unhex(kC15));
  EXPECT_EQ(sealed->tag, Unhex("b094dac5d93471bdec1a502270e3cc6c"));
  auto plain = AesGcmDecrypt(Unhex(kK15), Unhex(kIv15), {}, sealed->ciphertext, sealed->tag);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(Bytes(plain->span().begin(), plain->span().end()), Unhex(kP15));
}

// Test case 16: AAD and a 60-byte plaintext.
TEST(AesGcmTest, SpecTestCase16WithAad) {
  Bytes aad = Unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  Bytes pt = Unhex(kP15);
  pt.resize(60);
  Bytes ct = Unhex(kC15);
  ct.resize(60);
  auto sealed = AesGcmEncrypt(Unhex(kK15), Unhex(kIv15), aad, pt);
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->ciphertext, ct);
  EXPECT_EQ(sealed->tag, Unhex("76fc6ece0f4e1768cddf8853bb2d551b"));
  EXPECT_TRUE(AesGcmDecrypt(Unhex(kK15), Unhex(kIv15), aad, ct, sealed->tag).has_value());
}

TEST(AesGcmTest, TamperingIsUnauthenticated) {
  Bytes key(32, 7), iv(12, 9), aad = ToBytes("header");
  GcmSealed s = AesGcmEncrypt(key, iv, aad, AsBytes("secret payload")).value();
  auto expect_unauth = [](const Result<SecretBytes>& r) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  };
  Bytes bad_ct = s.ciphertext;
  bad_ct[0] ^= 1;
  expect_unauth(AesGcmDecrypt(key, iv, aad, bad_ct, s.tag));
  Bytes bad_tag = s.tag;
  bad_tag[15] ^= 1;
  expect_unauth(AesGcmDecrypt(key, iv, aad, s.ciphertext, bad_tag));
  expect_unauth(AesGcmDecrypt(key, iv, AsBytes("headeR"), s.ciphertext, s.tag));
  Bytes bad_iv = iv;
  bad_iv[0] ^= 1;
  expect_unauth(AesGcmDecrypt(key, bad_iv, aad, s.ciphertext, s.tag));
  Bytes bad_key = key;
  bad_key[31] ^= 1;
  expect_unauth(AesGcmDecrypt(bad_key, iv, aad, s.ciphertext, s.tag));
}

TEST(AesGcmTest, EmptyPlaintextRoundTrip) {
  Bytes key(16, 1), iv(12, 2);
  GcmSealed s = AesGcmEncrypt(key, iv, AsBytes("aad only"), {}).value();
  EXPECT_TRUE(s.ciphertext.empty());
  auto plain = AesGcmDecrypt(key, iv, AsBytes("aad only"), {}, s.tag);
  ASSERT_TRUE(plain.has_value());
  EXPECT_TRUE(plain->empty());
}

TEST(AesGcmTest, BadSizesAreInvalidArgument) {
  Bytes iv(12, 0);
  for (size_t n : {0, 15, 17, 31, 33}) {
    auto r = AesGcmEncrypt(Bytes(n, 0), iv, {}, AsBytes("x"));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  }
  auto no_iv = AesGcmEncrypt(Bytes(32, 0), {}, {}, AsBytes("x"));
  ASSERT_FALSE(no_iv.has_value());
  EXPECT_EQ(no_iv.error().code(), Code::kInvalidArgument);
  auto short_tag = AesGcmDecrypt(Bytes(32, 0), iv, {}, AsBytes("x"), Bytes(12, 0));
  ASSERT_FALSE(short_tag.has_value());
  EXPECT_EQ(short_tag.error().code(), Code::kInvalidArgument);
}

// NIST SP 800-38A F.5.1 CTR-AES128.Encrypt.
TEST(AesCtrTest, Sp80038aVectorInChunksAndInPlace) {
  Bytes key = Unhex("2b7e151628aed2a6abf7158809cf4f3c");
  Bytes iv = Unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  Bytes pt = Unhex(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  Bytes ct = Unhex(
      "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
      "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee");
  auto ctr = AesCtr::Create(key, iv);
  ASSERT_TRUE(ctr.has_value());
  Bytes buf = pt;  // in place, in uneven chunks
  size_t off = 0;
  for (size_t n : {5, 27, 1, 31}) {
    std::span<uint8_t> chunk(buf.data() + off, n);
    ASSERT_TRUE(ctr->Update(chunk, chunk).has_value());
    off += n;
  }
  EXPECT_EQ(buf, ct);
  AesCtr dec = std::move(*AesCtr::Create(key, iv));
  Bytes back(ct.size());
  ASSERT_TRUE(dec.Update(ct, back).has_value());
  EXPECT_EQ(back, pt);
}

TEST(AesCtrTest, BadArguments) {
  auto bad_iv = AesCtr::Create(Bytes(16, 0), Bytes(12, 0));
  ASSERT_FALSE(bad_iv.has_value());
  EXPECT_EQ(bad_iv.error().code(), Code::kInvalidArgument);
  auto bad_key = AesCtr::Create(Bytes(20, 0), Bytes(16, 0));
  ASSERT_FALSE(bad_key.has_value());
  EXPECT_EQ(bad_key.error().code(), Code::kInvalidArgument);
  AesCtr ctr = std::move(*AesCtr::Create(Bytes(32, 0), Bytes(16, 0)));
  Bytes out(3);
  auto small = ctr.Update(Bytes(4, 0), out);
  ASSERT_FALSE(small.has_value());
  EXPECT_EQ(small.error().code(), Code::kInvalidArgument);
}

// RFC 3394 §4.1 (128-bit KEK) and §4.6 (256-bit key data, 256-bit KEK).
TEST(AesKeyWrapTest, Rfc3394Vectors) {
  auto w1 = AesKeyWrap(Unhex("000102030405060708090A0B0C0D0E0F"),
                       Unhex("00112233445566778899AABBCCDDEEFF"));
  ASSERT_TRUE(w1.has_value()) << w1.error().ToString();
  EXPECT_EQ(*w1, Unhex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"));

  Bytes kek = Unhex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  Bytes key = Unhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
  Bytes expected =
      Unhex("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21");
  auto wrapped = AesKeyWrap(kek, key);
  ASSERT_TRUE(wrapped.has_value());
  EXPECT_EQ(*wrapped, expected);
  auto unwrapped = AesKeyUnwrap(kek, expected);
  ASSERT_TRUE(unwrapped.has_value());
  EXPECT_EQ(Bytes(unwrapped->span().begin(), unwrapped->span().end()), key);
}

TEST(AesKeyWrapTest, TamperedIsUnauthenticated) {
  Bytes kek(32, 3);
  Bytes wrapped = AesKeyWrap(kek, Bytes(32, 4)).value();
  wrapped[10] ^= 1;
  auto r = AesKeyUnwrap(kek, wrapped);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  wrapped[10] ^= 1;
  auto wrong_kek = AesKeyUnwrap(Bytes(32, 5), wrapped);
  ASSERT_FALSE(wrong_kek.has_value());
  EXPECT_EQ(wrong_kek.error().code(), Code::kUnauthenticated);
}

TEST(AesKeyWrapTest, BadSizesAreInvalidArgument) {
  for (size_t n : {0, 8, 15, 17, 20}) {
    auto r = AesKeyWrap(Bytes(16, 0), Bytes(n, 0));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  }
  for (size_t n : {0, 16, 23, 25}) {
    auto r = AesKeyUnwrap(Bytes(16, 0), Bytes(n, 0));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  }
  auto bad_kek = AesKeyWrap(Bytes(10, 0), Bytes(16, 0));
  ASSERT_FALSE(bad_kek.has_value());
  EXPECT_EQ(bad_kek.error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::crypto
