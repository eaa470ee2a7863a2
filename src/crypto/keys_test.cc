// Key tests: PEM/DER/component round trips for every key type, validation of bad components,
// and the fixture signing key/certificate from testdata/token/as-jwks.
#include "crypto/keys.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>

#include <map>

#include "crypto/internal/pkey.h"
#include "crypto/testing/test_util.h"
#include "crypto/sign.h"

namespace cocoon::crypto {
namespace {

using testing::ReadTestData;
using testing::Unhex;

const KeyType kAllTypes[] = {KeyType::kRsa, KeyType::kEcP256, KeyType::kEcP384, KeyType::kEcP521,
                             KeyType::kEd25519};

const PrivateKey& KeyFor(KeyType t) {
  static const auto* keys = [] {
    auto* m = new std::map<KeyType, PrivateKey>();
    for (KeyType k : kAllTypes) m->emplace(k, PrivateKey::Generate(k).value());
    return m;
  }();
  return keys->at(t);
}

template <typename T>
void ExpectCode(const Result<T>& r, Code code) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), code) << r.error().ToString();
}

TEST(KeysTest, PublicPemAndDerRoundTrip) {
  for (KeyType t : kAllTypes) {
    SCOPED_TRACE(std::string(KeyTypeName(t)));
    PublicKey pub = KeyFor(t).public_key();
    EXPECT_EQ(pub.type(), t);
    std::string pem = pub.ToPem().value();
    EXPECT_NE(pem.find("-----BEGIN PUBLIC KEY-----"), std::string::npos);
    auto from_pem = PublicKey::FromPem(pem);
    ASSERT_TRUE(from_pem.has_value()) << from_pem.error().ToString();
    EXPECT_TRUE(from_pem->Equals(pub));
    Bytes der = pub.ToDer().value();
    auto from_der = PublicKey::FromDer(der);
    ASSERT_TRUE(from_der.has_value());
    EXPECT_TRUE(from_der->Equals(pub));
    EXPECT_EQ(from_der->type(), t);
    der.push_back(0);
    ExpectCode(PublicKey::FromDer(der), Code::kInvalidArgument);
  }
}

TEST(KeysTest, PrivatePemRoundTrip) {
  for (KeyType t : kAllTypes) {
    SCOPED_TRACE(std::string(KeyTypeName(t)));
    SecretBytes pem = KeyFor(t).ToPem().value();
    EXPECT_NE(pem.view().find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    auto back = PrivateKey::FromPem(pem.view());
    ASSERT_TRUE(back.has_value()) << back.error().ToString();
    EXPECT_EQ(back->type(), t);
    EXPECT_TRUE(back->public_key().Equals(KeyFor(t).public_key()));
  }
}

TEST(KeysTest, PublicKeyHasNoPrivateMaterial) {
  // public_key() must not be usable where a private key is expected: its PEM is SPKI only.
  std::string pem = KeyFor(KeyType::kEcP256).public_key().ToPem().value();
  ExpectCode(PrivateKey::FromPem(pem), Code::kInvalidArgument);
}

TEST(KeysTest, DifferentKeysAreNotEqual) {
  EXPECT_FALSE(KeyFor(KeyType::kEcP256).public_key().Equals(KeyFor(KeyType::kEcP384).public_key()));
  EXPECT_FALSE(KeyFor(KeyType::kRsa).public_key().Equals(KeyFor(KeyType::kEd25519).public_key()));
  PrivateKey other = PrivateKey::Generate(KeyType::kEcP256).value();
  EXPECT_FALSE(other.public_key().Equals(KeyFor(KeyType::kEcP256).public_key()));
}

TEST(KeysTest, EcComponentsRoundTrip) {
  for (KeyType t : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kEcP521}) {
    SCOPED_TRACE(std::string(KeyTypeName(t)));
    PublicKey pub = KeyFor(t).public_key();
    Bytes x = pub.EcX().value(), y = pub.EcY().value();
    size_t size = t == KeyType::kEcP256 ? 32 : t == KeyType::kEcP384 ? 48 : 66;
    EXPECT_EQ(x.size(), size);
    EXPECT_EQ(y.size(), size);
    auto back = PublicKey::FromEc(t, x, y);
    ASSERT_TRUE(back.has_value()) << back.error().ToString();
    EXPECT_TRUE(back->Equals(pub));
    Bytes short_x(x.begin() + 1, x.end());
    ExpectCode(PublicKey::FromEc(t, short_x, y), Code::kInvalidArgument);
    y.back() ^= 1;  // off the curve
    ExpectCode(PublicKey::FromEc(t, x, y), Code::kInvalidArgument);
  }
}

TEST(KeysTest, EcInvalidPointsRejected) {
  Bytes zero(32, 0);
  ExpectCode(PublicKey::FromEc(KeyType::kEcP256, zero, zero), Code::kInvalidArgument);
  Bytes ff(32, 0xff);  // coordinates >= p
  ExpectCode(PublicKey::FromEc(KeyType::kEcP256, ff, ff), Code::kInvalidArgument);
  ExpectCode(PublicKey::FromEc(KeyType::kRsa, zero, zero), Code::kInvalidArgument);
  ExpectCode(PublicKey::FromEc(KeyType::kEd25519, zero, zero), Code::kInvalidArgument);
}

TEST(KeysTest, RsaComponentsRoundTrip) {
  PublicKey pub = KeyFor(KeyType::kRsa).public_key();
  EXPECT_EQ(pub.RsaBits(), 2048u);
  Bytes n = pub.RsaModulus().value(), e = pub.RsaExponent().value();
  EXPECT_EQ(n.size(), 256u);
  EXPECT_EQ(e, Unhex("010001"));
  auto back = PublicKey::FromRsa(n, e);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_TRUE(back->Equals(pub));
  Bytes padded = n;  // a leading zero (as some encoders emit) is the same integer
  padded.insert(padded.begin(), 0);
  EXPECT_TRUE(PublicKey::FromRsa(padded, e).value().Equals(pub));
}

TEST(KeysTest, RsaBadComponentsRejected) {
  Bytes n = KeyFor(KeyType::kRsa).public_key().RsaModulus().value();
  ExpectCode(PublicKey::FromRsa({}, Unhex("010001")), Code::kInvalidArgument);
  ExpectCode(PublicKey::FromRsa(n, {}), Code::kInvalidArgument);
  ExpectCode(PublicKey::FromRsa(n, Unhex("010000")), Code::kInvalidArgument);  // even e
  ExpectCode(PublicKey::FromRsa(n, Unhex("01")), Code::kInvalidArgument);      // e = 1
  Bytes n1024(n.begin(), n.begin() + 128);                                     // too small
  ExpectCode(PublicKey::FromRsa(n1024, Unhex("010001")), Code::kInvalidArgument);
}

TEST(KeysTest, Ed25519RawRoundTrip) {
  PublicKey pub = KeyFor(KeyType::kEd25519).public_key();
  Bytes raw = pub.Ed25519Raw().value();
  EXPECT_EQ(raw.size(), 32u);
  EXPECT_TRUE(PublicKey::FromEd25519(raw).value().Equals(pub));
  ExpectCode(PublicKey::FromEd25519(Bytes(31, 1)), Code::kInvalidArgument);
  ExpectCode(PrivateKey::FromEd25519(Bytes(33, 1)), Code::kInvalidArgument);
}

TEST(KeysTest, WrongTypeAccessorsAreFailedPrecondition) {
  PublicKey ec = KeyFor(KeyType::kEcP256).public_key();
  PublicKey rsa = KeyFor(KeyType::kRsa).public_key();
  ExpectCode(ec.RsaModulus(), Code::kFailedPrecondition);
  ExpectCode(ec.RsaExponent(), Code::kFailedPrecondition);
  ExpectCode(ec.Ed25519Raw(), Code::kFailedPrecondition);
  ExpectCode(rsa.EcX(), Code::kFailedPrecondition);
  ExpectCode(rsa.EcY(), Code::kFailedPrecondition);
  EXPECT_EQ(ec.RsaBits(), 0u);
}

TEST(KeysTest, EcScalarValidation) {
  Bytes d(32, 0);
  ExpectCode(PrivateKey::FromEcScalar(KeyType::kEcP256, d), Code::kInvalidArgument);  // zero
  // The P-256 group order n is not a valid scalar.
  Bytes order = Unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  ExpectCode(PrivateKey::FromEcScalar(KeyType::kEcP256, order), Code::kInvalidArgument);
  order.back() -= 1;  // n - 1 is
  EXPECT_TRUE(PrivateKey::FromEcScalar(KeyType::kEcP256, order).has_value());
  ExpectCode(PrivateKey::FromEcScalar(KeyType::kEcP384, Bytes(32, 1)), Code::kInvalidArgument);
  ExpectCode(PrivateKey::FromEcScalar(KeyType::kRsa, Bytes(32, 1)), Code::kInvalidArgument);
}

TEST(KeysTest, GenerateRejectsBadRsaSize) {
  ExpectCode(PrivateKey::Generate(KeyType::kRsa, 1024), Code::kInvalidArgument);
  ExpectCode(PrivateKey::Generate(KeyType::kRsa, 2047), Code::kInvalidArgument);
}

// Reads one big-endian RSA parameter straight from OpenSSL (test-only).
Bytes RsaParam(const PrivateKey& key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key.handle().pkey, name, &bn) != 1) return {};
  internal::BnPtr owner(bn);
  return internal::BnToBytes(bn).value_or(Bytes{});
}

TEST(KeysTest, RsaPrivateFromComponents) {
  const PrivateKey& orig = KeyFor(KeyType::kRsa);
  Bytes n = RsaParam(orig, OSSL_PKEY_PARAM_RSA_N), e = RsaParam(orig, OSSL_PKEY_PARAM_RSA_E),
        d = RsaParam(orig, OSSL_PKEY_PARAM_RSA_D), p = RsaParam(orig, OSSL_PKEY_PARAM_RSA_FACTOR1),
        q = RsaParam(orig, OSSL_PKEY_PARAM_RSA_FACTOR2),
        dp = RsaParam(orig, OSSL_PKEY_PARAM_RSA_EXPONENT1),
        dq = RsaParam(orig, OSSL_PKEY_PARAM_RSA_EXPONENT2),
        qi = RsaParam(orig, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  auto full = PrivateKey::FromRsa({n, e, d, p, q, dp, dq, qi});
  ASSERT_TRUE(full.has_value()) << full.error().ToString();
  EXPECT_TRUE(full->public_key().Equals(orig.public_key()));
  Bytes sig = Sign(*full, SignAlg::kRs256, AsBytes("m")).value();
  EXPECT_TRUE(Verify(orig.public_key(), SignAlg::kRs256, AsBytes("m"), sig).has_value());

  auto no_crt = PrivateKey::FromRsa({n, e, d, {}, {}, {}, {}, {}});
  ASSERT_TRUE(no_crt.has_value()) << no_crt.error().ToString();
  Bytes sig2 = Sign(*no_crt, SignAlg::kPs256, AsBytes("m")).value();
  EXPECT_TRUE(Verify(orig.public_key(), SignAlg::kPs256, AsBytes("m"), sig2).has_value());

  ExpectCode(PrivateKey::FromRsa({n, e, d, p, q, {}, {}, {}}), Code::kInvalidArgument);
  ExpectCode(PrivateKey::FromRsa({n, e, {}, {}, {}, {}, {}, {}}), Code::kInvalidArgument);
  ExpectCode(PrivateKey::FromRsa({n, e, d, p, q, dq, dp, qi}), Code::kInvalidArgument);
}

TEST(KeysTest, GarbageAndEncryptedPemRejected) {
  ExpectCode(PublicKey::FromPem("not a pem"), Code::kInvalidArgument);
  ExpectCode(PublicKey::FromPem(""), Code::kInvalidArgument);
  ExpectCode(PrivateKey::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
             Code::kInvalidArgument);
  ExpectCode(PublicKey::FromDer(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}), Code::kInvalidArgument);
  ExpectCode(PublicKey::FromDer({}), Code::kInvalidArgument);
  // A real encrypted PKCS#8 key (passphrase "test") must fail without prompting.
  const char kEncrypted[] =
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
      "MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjZSkUXPNcVwAICCAAw\n"
      "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEPZFRzzwvWv217gR4zm+W+4EgZDt\n"
      "IY5s3SaG98lg8D6Z3YiGZAcz5bUAOQS/tC1qMWmiNbOokFXrrJ8+s/7/esv5o7vn\n"
      "CzowOe6afl2sk24DNWKJ85qWN0JgM42WEGS2x4vjNLo3VWc1hwTM7JxzrxK9cKF0\n"
      "t6J8IMvDxAh1AWOqpBrgkFJTSBjiHfOZQv9HvTzOW55tptLGyMo3rlGdXxpBqyc=\n"
      "-----END ENCRYPTED PRIVATE KEY-----\n";
  ExpectCode(PrivateKey::FromPem(kEncrypted), Code::kInvalidArgument);
}

TEST(KeysTest, FixtureSigningKeyMatchesItsCertificate) {
  std::string key_pem = ReadTestData("token/as-jwks/signing-key.pem");
  std::string cert_pem = ReadTestData("token/as-jwks/cert-chain.pem");
  auto key = PrivateKey::FromPem(key_pem);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ(key->type(), KeyType::kEcP256);
  auto from_cert = PublicKey::FromPem(cert_pem);  // a certificate PEM yields its subject key
  ASSERT_TRUE(from_cert.has_value()) << from_cert.error().ToString();
  EXPECT_TRUE(from_cert->Equals(key->public_key()));
}

TEST(KeysTest, KeyTypeNames) {
  EXPECT_EQ(KeyTypeName(KeyType::kRsa), "RSA");
  EXPECT_EQ(KeyTypeName(KeyType::kEcP256), "P-256");
  EXPECT_EQ(KeyTypeName(KeyType::kEcP384), "P-384");
  EXPECT_EQ(KeyTypeName(KeyType::kEcP521), "P-521");
  EXPECT_EQ(KeyTypeName(KeyType::kEd25519), "Ed25519");
}

}  // namespace
}  // namespace cocoon::crypto
