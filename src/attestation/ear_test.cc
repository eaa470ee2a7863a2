#include "attestation/ear.h"

#include <gtest/gtest.h>

#include "jose/jws.h"
#include "jose/jwt.h"

namespace cocoon::attestation {
namespace {

TEST(Ear, TiersFollowAr4si) {
  EXPECT_EQ(TierOf(0), "none");
  EXPECT_EQ(TierOf(1), "none");
  EXPECT_EQ(TierOf(-1), "none");
  EXPECT_EQ(TierOf(2), "affirming");
  EXPECT_EQ(TierOf(31), "affirming");
  EXPECT_EQ(TierOf(-32), "affirming");
  EXPECT_EQ(TierOf(32), "warning");
  EXPECT_EQ(TierOf(95), "warning");
  EXPECT_EQ(TierOf(-96), "warning");
  EXPECT_EQ(TierOf(96), "contraindicated");
  EXPECT_EQ(TierOf(97), "contraindicated");
  EXPECT_EQ(TierOf(-128), "contraindicated");
}

TEST(Ear, StatusIsWorstTier) {
  EXPECT_EQ(EarStatus({{"hardware", 2}, {"executables", 3}, {"configuration", 2}}), "affirming");
  EXPECT_EQ(EarStatus({{"hardware", 2}, {"executables", 33}}), "warning");
  EXPECT_EQ(EarStatus({{"hardware", 97}, {"executables", 3}}), "contraindicated");
  EXPECT_EQ(EarStatus(Json::object()), "none");
}

TEST(Ear, IssuedTokenVerifiesWithItsKeyAndHasTrusteeShape) {
  auto issuer = EarIssuer::Create({});
  ASSERT_TRUE(issuer) << issuer.error().ToString();
  EarSubmod sub;
  sub.name = "cpu0";
  sub.trust_vector = {{"hardware", 2}, {"executables", 3}, {"configuration", 2}};
  sub.annotated_evidence = {{"sample", {{"svn", "1"}}}};
  sub.extensions = Json::array({{{"name", "ear.trustee.identifiers"},
                                 {"key", -18},
                                 {"value", {{"validated", Json::object()}}}}});
  auto token = issuer->Issue({sub}, 1'800'000'000);
  ASSERT_TRUE(token);
  jose::JwtValidation v;
  v.now = 1'800'000'000;
  auto claims = jose::VerifyJwt(*token, issuer->public_key(), crypto::SignAlg::kEs256, v);
  ASSERT_TRUE(claims) << claims.error().ToString();
  EXPECT_EQ((*claims)["iss"], "CoCo-Attestation-Service");
  EXPECT_EQ((*claims)["exp"], 1'800'000'000 + 300);
  EXPECT_EQ((*claims)["eat_profile"], "tag:github.com,2024:confidential-containers/Trustee");
  const Json& cpu0 = (*claims)["submods"]["cpu0"];
  EXPECT_EQ(cpu0["ear.status"], "affirming");
  EXPECT_EQ(cpu0["ear.trustworthiness-vector"].size(), 8u);
  EXPECT_EQ(cpu0["ear.trustworthiness-vector"]["sourced-data"], 0);
  EXPECT_EQ(cpu0["ear.appraisal-policy-id"], "default");
  EXPECT_TRUE(cpu0["ear.trustee.identifiers"].contains("validated"));
  auto parts = jose::ParseCompact(*token);
  EXPECT_EQ(parts->header["jwk"]["alg"], "ES256");
  EXPECT_EQ(parts->header["jwk"]["crv"], "P-256");
  auto jwks = issuer->Jwks();
  EXPECT_EQ(jwks["keys"][0]["x"], parts->header["jwk"]["x"]);
}

TEST(Ear, RejectsNonP256Signer) {
  EarIssuerOptions o;
  o.key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP384);
  auto r = EarIssuer::Create(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::attestation
