// Signature tests: round trips for every algorithm, tamper and mismatch errors, RFC 8032 vector.
#include "crypto/sign.h"

#include <gtest/gtest.h>

#include <map>

#include "base/encoding.h"

namespace cocoon::crypto {
namespace {

Bytes Unhex(std::string_view h) { return base::HexDecode(h).value(); }

struct Case {
  SignAlg alg;
  KeyType key;
};

const Case kCases[] = {
    {SignAlg::kEs256, KeyType::kEcP256}, {SignAlg::kEs384, KeyType::kEcP384},
    {SignAlg::kEs512, KeyType::kEcP521}, {SignAlg::kRs256, KeyType::kRsa},
    {SignAlg::kRs384, KeyType::kRsa},    {SignAlg::kRs512, KeyType::kRsa},
    {SignAlg::kPs256, KeyType::kRsa},    {SignAlg::kPs384, KeyType::kRsa},
    {SignAlg::kPs512, KeyType::kRsa},    {SignAlg::kEdDsa, KeyType::kEd25519},
};

// One key per type for the whole suite (RSA generation is slow).
const PrivateKey& KeyFor(KeyType t) {
  static const auto* keys = [] {
    auto* m = new std::map<KeyType, PrivateKey>();
    for (KeyType k :
         {KeyType::kRsa, KeyType::kEcP256, KeyType::kEcP384, KeyType::kEcP521, KeyType::kEd25519}) {
      m->emplace(k, PrivateKey::Generate(k).value());
    }
    return m;
  }();
  return keys->at(t);
}

size_t ExpectedSigSize(KeyType t) {
  switch (t) {
    case KeyType::kEcP256:
      return 64;
    case KeyType::kEcP384:
      return 96;
    case KeyType::kEcP521:
      return 132;
    case KeyType::kEd25519:
      return 64;
    case KeyType::kRsa:
      return 256;
  }
  return 0;
}

TEST(SignTest, RoundTripEveryAlgorithm) {
  const ByteSpan msg = AsBytes("payload.to.sign");
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(SignAlgName(c.alg)));
    const PrivateKey& key = KeyFor(c.key);
    auto sig = Sign(key, c.alg, msg);
    ASSERT_TRUE(sig.has_value()) << sig.error().ToString();
    EXPECT_EQ(sig->size(), ExpectedSigSize(c.key));
    EXPECT_TRUE(Verify(key.public_key(), c.alg, msg, *sig).has_value());
  }
}

TEST(SignTest, TamperedSignatureIsUnauthenticated) {
  const ByteSpan msg = AsBytes("payload");
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(SignAlgName(c.alg)));
    const PrivateKey& key = KeyFor(c.key);
    Bytes sig = Sign(key, c.alg, msg).value();
    sig[sig.size() / 2] ^= 0x01;
    auto r = Verify(key.public_key(), c.alg, msg, sig);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
    // The untouched signature over a different message fails too.
    sig[sig.size() / 2] ^= 0x01;
    auto r2 = Verify(key.public_key(), c.alg, AsBytes("payloaD"), sig);
    ASSERT_FALSE(r2.has_value());
    EXPECT_EQ(r2.error().code(), Code::kUnauthenticated);
  }
}

TEST(SignTest, WrongLengthEcdsaSignatureIsUnauthenticated) {
  const PrivateKey& key = KeyFor(KeyType::kEcP256);
  Bytes sig = Sign(key, SignAlg::kEs256, AsBytes("m")).value();
  sig.pop_back();
  auto r = Verify(key.public_key(), SignAlg::kEs256, AsBytes("m"), sig);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  auto empty = Verify(key.public_key(), SignAlg::kEs256, AsBytes("m"), {});
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code(), Code::kUnauthenticated);
}

TEST(SignTest, AlgorithmKeyMismatchIsInvalidArgument) {
  const std::pair<SignAlg, KeyType> mismatches[] = {
      {SignAlg::kEs256, KeyType::kEcP384},  {SignAlg::kEs384, KeyType::kEcP256},
      {SignAlg::kEs512, KeyType::kRsa},     {SignAlg::kRs256, KeyType::kEcP256},
      {SignAlg::kPs256, KeyType::kEd25519}, {SignAlg::kEdDsa, KeyType::kRsa},
  };
  for (auto [alg, type] : mismatches) {
    SCOPED_TRACE(std::string(SignAlgName(alg)) + " with " + std::string(KeyTypeName(type)));
    const PrivateKey& key = KeyFor(type);
    auto s = Sign(key, alg, AsBytes("m"));
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code(), Code::kInvalidArgument);
    auto v = Verify(key.public_key(), alg, AsBytes("m"), Bytes(64));
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().code(), Code::kInvalidArgument);
    EXPECT_FALSE(SignAlgMatchesKey(alg, type));
  }
}

TEST(SignTest, RsPsSignaturesAreNotInterchangeable) {
  const PrivateKey& key = KeyFor(KeyType::kRsa);
  Bytes ps = Sign(key, SignAlg::kPs256, AsBytes("m")).value();
  auto r = Verify(key.public_key(), SignAlg::kRs256, AsBytes("m"), ps);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  Bytes ps384 = Sign(key, SignAlg::kPs384, AsBytes("m")).value();
  auto r2 = Verify(key.public_key(), SignAlg::kPs256, AsBytes("m"), ps384);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().code(), Code::kUnauthenticated);
}

TEST(SignTest, ParseSignAlgNames) {
  for (const Case& c : kCases) {
    auto parsed = ParseSignAlg(SignAlgName(c.alg));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, c.alg);
    EXPECT_TRUE(SignAlgMatchesKey(c.alg, c.key));
  }
  for (std::string_view bad : {"none", "None", "es256", "HS256", "ES256K", "Ed25519", ""}) {
    auto r = ParseSignAlg(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  }
}

// RFC 8032 §7.1 TEST 1: empty message.
TEST(SignTest, Ed25519Rfc8032Test1) {
  Bytes seed = Unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  Bytes pub = Unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  Bytes expected = Unhex(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
      "b46bd25bf5f0595bbe24655141438e7a100b");
  auto key = PrivateKey::FromEd25519(seed);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ(key->public_key().Ed25519Raw().value(), pub);
  auto sig = Sign(*key, SignAlg::kEdDsa, {});
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(*sig, expected);
  auto pk = PublicKey::FromEd25519(pub).value();
  EXPECT_TRUE(Verify(pk, SignAlg::kEdDsa, {}, expected).has_value());
  expected[0] ^= 1;
  auto bad = Verify(pk, SignAlg::kEdDsa, {}, expected);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kUnauthenticated);
}

}  // namespace
}  // namespace cocoon::crypto
