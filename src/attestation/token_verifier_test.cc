#include "attestation/token_verifier.h"

#include <gtest/gtest.h>


#include "attestation/ear.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "testutil/testdata.h"

namespace cocoon::attestation {
namespace {

std::string Read(const std::string& rel) { return testutil::ReadTestdata(rel); }

struct Fixture {
  std::string token;
  Json expected_claims;
  std::string pointer;
};

Fixture Synthetic() {
  Json j = *base::ParseJson(Read("token/synthetic-ear-token.json"));
  return {j["token"], j["claims"], j["tee_pubkey_json_pointer"]};
}

constexpr int64_t kNow = 1'800'000'000;  // before the token's exp (2000000000)

TEST(TokenVerifier, SyntheticEarChainsToTrustedCert) {
  auto f = Synthetic();
  TokenVerifierOptions o;
  o.trusted_certs = *crypto::Certificate::ParsePemBundle(Read("token/as-jwks/cert-chain.pem"));
  TokenVerifier v(o);
  auto claims = v.Verify(f.token, kNow);
  ASSERT_TRUE(claims) << claims.error().ToString();
  EXPECT_EQ(*claims, f.expected_claims);
  auto key = v.TeePublicKey(*claims);
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, *base::FindPointer(f.expected_claims, f.pointer));
}

TEST(TokenVerifier, HeaderJwkNeedsTrustUnlessInsecure) {
  auto f = Synthetic();
  TokenVerifier strict({});
  auto r = strict.Verify(f.token, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  TokenVerifierOptions o;
  o.insecure_header_jwk = true;
  EXPECT_TRUE(TokenVerifier(o).Verify(f.token, kNow));
}

TEST(TokenVerifier, WrongTrustAnchorIsRefused) {
  auto f = Synthetic();
  TokenVerifierOptions o;
  o.trusted_certs =
      *crypto::Certificate::ParsePemBundle(Read("token/jwk-endorsement/scenario01-trust.pem"));
  auto r = TokenVerifier(o).Verify(f.token, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
}

TEST(TokenVerifier, ExpiredTokenIsRefused) {
  auto f = Synthetic();
  TokenVerifierOptions o;
  o.insecure_header_jwk = true;
  auto r = TokenVerifier(o).Verify(f.token, 2'000'000'000 + 61);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
}

TEST(TokenVerifier, TrustedKeyAndJwksKid) {
  auto issuer = *EarIssuer::Create({});
  auto token = *issuer.Issue({EarSubmod{"cpu0", Json::object(), Json::object()}}, kNow);
  TokenVerifierOptions o;
  o.trusted_keys.push_back(issuer.public_key());
  EXPECT_TRUE(TokenVerifier(o).Verify(token, kNow));
  // An external AS: a token with only a kid, checked against a configured JWKS.
  auto ext_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  OrderedJson hdr = OrderedJson::object();
  hdr["kid"] = "as-1";
  auto ext = *jose::SignJwt(ext_key, crypto::SignAlg::kEs256, {{"exp", kNow + 60}}, hdr);
  TokenVerifierOptions o2;
  Json jwk = Json::parse(jose::PublicKeyToJwk(ext_key.public_key(), "ES256").dump());
  jwk["kid"] = "as-1";
  o2.trusted_jwks.push_back(jwk);
  EXPECT_TRUE(TokenVerifier(o2).Verify(ext, kNow));
  EXPECT_FALSE(TokenVerifier({}).Verify(ext, kNow));
}

TEST(TokenVerifier, MalformedTokens) {
  TokenVerifierOptions o;
  o.insecure_header_jwk = true;
  TokenVerifier v(o);
  for (const char* t : {"", "a.b", "a.b.c", "!!.??.##"}) {
    auto r = v.Verify(t, kNow);
    ASSERT_FALSE(r) << t;
    EXPECT_TRUE(r.error().code() == Code::kInvalidArgument ||
                r.error().code() == Code::kUnauthenticated);
  }
}

}  // namespace
}  // namespace cocoon::attestation
