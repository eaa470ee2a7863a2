// Tests for JWK parsing/serialisation: RFC 7515/7638/8037 keys, Trustee member order, strictness.
#include "jose/jwk.h"

#include <gtest/gtest.h>

#include "crypto/keys.h"
#include "jose/testing/test_util.h"

namespace cocoon::jose {
namespace {

using crypto::KeyType;
using testing::LoadJson;
using testing::ParseOrFail;

// RFC 7515 Appendix A.3 P-256 key.
constexpr char kA3Jwk[] =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",)"
    R"("d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
// RFC 8037 Appendix A.1/A.2 Ed25519 key.
constexpr char kEd25519Jwk[] =
    R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",)"
    R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
// RFC 7638 §3.1 RSA key.
constexpr char kRfc7638Jwk[] =
    R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxu)"
    R"(hDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YG)"
    R"(jQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4v)"
    R"(MQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",)"
    R"("e":"AQAB","alg":"RS256","kid":"2011-04-29"})";

Json WithMember(Json j, const std::string& name, Json value) {
  j[name] = std::move(value);
  return j;
}

TEST(JwkTest, ParsesRfc7515EcKeyAndSerialisesInTrusteeOrder) {
  auto key = PublicKeyFromJwk(ParseOrFail(kA3Jwk));
  ASSERT_OK(key);
  EXPECT_EQ(key->type(), KeyType::kEcP256);
  EXPECT_EQ(base::DumpJson(PublicKeyToJwk(*key, "ES256")),
            R"({"kty":"EC","crv":"P-256","alg":"ES256",)"
            R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
            R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
  EXPECT_EQ(base::DumpJson(PublicKeyToJwk(*key)),
            R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
            R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
}

TEST(JwkTest, TeeKeyOfSyntheticVectorMatchesItsPem) {
  Json v = LoadJson(std::string(COCOON_TESTDATA_DIR) + "/sample/rcar-sample-synthetic-vector.json");
  const Json& jwk = v["attestation"]["runtime-data"]["tee-pubkey"];
  auto pub = PublicKeyFromJwk(jwk);
  ASSERT_OK(pub);
  auto priv = crypto::PrivateKey::FromPem(v["tee_private_key_pem"].get<std::string>());
  ASSERT_OK(priv);
  EXPECT_TRUE(priv->public_key().Equals(*pub));
  // The guest sends exactly this member order; we must reproduce it.
  EXPECT_EQ(base::DumpJson(PublicKeyToJwk(*pub, "ECDH-ES+A256KW")),
            R"({"kty":"EC","crv":"P-256","alg":"ECDH-ES+A256KW",)"
            R"("x":"AhfmF_C2RDkoJ4-WmZ5pojpPLBUr321s32bluAKC1O0",)"
            R"("y":"GUp968uXcS0t2jyoWqh2Wlb0X8dYWZZS8ol8ZTBuV5Q"})");
}

TEST(JwkTest, RoundTripsEveryKeyType) {
  for (KeyType t :
       {KeyType::kEcP256, KeyType::kEcP384, KeyType::kEcP521, KeyType::kRsa, KeyType::kEd25519}) {
    auto priv = crypto::PrivateKey::Generate(t);
    ASSERT_OK(priv);
    OrderedJson jwk = PublicKeyToJwk(priv->public_key());
    auto back = PublicKeyFromJwk(ParseOrFail(base::DumpJson(jwk)));
    ASSERT_OK(back);
    EXPECT_TRUE(back->Equals(priv->public_key())) << crypto::KeyTypeName(t);
  }
}

TEST(JwkTest, MemberOrderForRsaAndOkp) {
  auto rsa = PublicKeyFromJwk(ParseOrFail(kRfc7638Jwk));
  ASSERT_OK(rsa);
  OrderedJson j = PublicKeyToJwk(*rsa, "RSA-OAEP-256");
  std::vector<std::string> names;
  for (const auto& [k, v] : j.items()) names.push_back(k);
  EXPECT_EQ(names, (std::vector<std::string>{"kty", "alg", "n", "e"}));
  EXPECT_EQ(j["e"], "AQAB");

  auto ed = PublicKeyFromJwk(ParseOrFail(kEd25519Jwk));
  ASSERT_OK(ed);
  EXPECT_EQ(base::DumpJson(PublicKeyToJwk(*ed, "EdDSA")),
            R"({"kty":"OKP","crv":"Ed25519","alg":"EdDSA",)"
            R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
}

TEST(JwkTest, Rfc7638AndRfc8037Thumbprints) {
  auto rsa = PublicKeyFromJwk(ParseOrFail(kRfc7638Jwk));
  ASSERT_OK(rsa);
  auto tp = Thumbprint(*rsa);
  ASSERT_OK(tp);
  EXPECT_EQ(*tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");

  auto ed = PublicKeyFromJwk(ParseOrFail(kEd25519Jwk));
  ASSERT_OK(ed);
  auto tp2 = Thumbprint(*ed);
  ASSERT_OK(tp2);
  EXPECT_EQ(*tp2, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(JwkTest, EcCoordinatesMustHaveExactSize) {
  Json jwk = ParseOrFail(kA3Jwk);
  Bytes x = testing::B64(jwk["x"].get<std::string>());
  Bytes short_x(x.begin() + 1, x.end());
  Bytes long_x = x;
  long_x.insert(long_x.begin(), 0);
  EXPECT_CODE(PublicKeyFromJwk(WithMember(jwk, "x", base::Base64UrlEncode(short_x))),
              Code::kInvalidArgument);
  EXPECT_CODE(PublicKeyFromJwk(WithMember(jwk, "x", base::Base64UrlEncode(long_x))),
              Code::kInvalidArgument);
  EXPECT_CODE(PublicKeyFromJwk(WithMember(jwk, "y", "AAAA")), Code::kInvalidArgument);
  // A 32-byte x with the P-384 curve name is the wrong size too.
  EXPECT_CODE(PublicKeyFromJwk(WithMember(jwk, "crv", "P-384")), Code::kInvalidArgument);
}

TEST(JwkTest, RejectsMalformedKeys) {
  Json jwk = ParseOrFail(kA3Jwk);
  // Padded / standard-alphabet base64 is not base64url.
  std::string x = jwk["x"].get<std::string>();
  EXPECT_CODE(PublicKeyFromJwk(WithMember(jwk, "x", x + "=")), Code::kInvalidArgument);
  EXPECT_CODE(PublicKeyFromJwk(WithMember(jwk, "y", "x/FEzRu9m36HLN/tue659LNpXW6pCyStikYjKIWI5a0")),
              Code::kInvalidArgument);
  // A point that is not on the curve.
  Bytes y = testing::B64(jwk["y"].get<std::string>());
  y.back() ^= 1;
  EXPECT_CODE(PublicKeyFromJwk(WithMember(jwk, "y", base::Base64UrlEncode(y))),
              Code::kInvalidArgument);
  EXPECT_CODE(PublicKeyFromJwk(WithMember(jwk, "crv", "secp256k1")), Code::kInvalidArgument);
  EXPECT_CODE(PublicKeyFromJwk(WithMember(jwk, "kty", "oct")), Code::kInvalidArgument);
  EXPECT_CODE(PublicKeyFromJwk(WithMember(jwk, "x", 5)), Code::kInvalidArgument);
  Json no_y = jwk;
  no_y.erase("y");
  EXPECT_CODE(PublicKeyFromJwk(no_y), Code::kInvalidArgument);
  EXPECT_CODE(PublicKeyFromJwk(Json::array()), Code::kInvalidArgument);
  EXPECT_CODE(PublicKeyFromJwk(ParseOrFail(R"({"kty":"RSA","n":"","e":"AQAB"})")),
              Code::kInvalidArgument);
  EXPECT_CODE(PublicKeyFromJwk(ParseOrFail(R"({"kty":"OKP","crv":"Ed25519","x":"AAAA"})")),
              Code::kInvalidArgument);
  EXPECT_CODE(PublicKeyFromJwk(ParseOrFail(R"({"kty":"OKP","crv":"X25519","x":"AAAA"})")),
              Code::kInvalidArgument);
}

TEST(JwkTest, PrivateKeysFromRfcVectors) {
  auto ec = PrivateKeyFromJwk(ParseOrFail(kA3Jwk));
  ASSERT_OK(ec);
  EXPECT_EQ(ec->type(), KeyType::kEcP256);

  auto ed = PrivateKeyFromJwk(ParseOrFail(kEd25519Jwk));
  ASSERT_OK(ed);
  EXPECT_EQ(ed->type(), KeyType::kEd25519);

  Json rfc7520 = LoadJson(std::string(COCOON_SOURCE_DIR) + "/src/jose/testdata/rfc7520-5.2.json");
  auto rsa = PrivateKeyFromJwk(rfc7520["key"]);
  ASSERT_OK(rsa);
  EXPECT_EQ(rsa->type(), KeyType::kRsa);
  EXPECT_EQ(rsa->public_key().RsaBits(), 4096u);
}

TEST(JwkTest, PrivateKeyMustMatchPublicMembers) {
  Json jwk = ParseOrFail(kA3Jwk);
  auto other = crypto::PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_OK(other);
  OrderedJson other_pub = PublicKeyToJwk(other->public_key());
  jwk["x"] = other_pub["x"].get<std::string>();
  jwk["y"] = other_pub["y"].get<std::string>();
  EXPECT_CODE(PrivateKeyFromJwk(jwk), Code::kInvalidArgument);

  Json no_d = ParseOrFail(kA3Jwk);
  no_d.erase("d");
  EXPECT_CODE(PrivateKeyFromJwk(no_d), Code::kInvalidArgument);
  Json short_d = ParseOrFail(kA3Jwk);
  short_d["d"] = "AAAA";
  EXPECT_CODE(PrivateKeyFromJwk(short_d), Code::kInvalidArgument);
  // RSA without CRT parameters is refused rather than half-loaded.
  Json rsa =
      LoadJson(std::string(COCOON_SOURCE_DIR) + "/src/jose/testdata/rfc7520-5.2.json")["key"];
  rsa.erase("qi");
  EXPECT_CODE(PrivateKeyFromJwk(rsa), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::jose
