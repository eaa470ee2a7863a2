// Tests for JWT signing/validation: time claims with leeway, iss/aud, and the synthetic EAR token.
#include "jose/jwt.h"

#include <gtest/gtest.h>

#include "base/json.h"
#include "jose/testing/test_util.h"
#include "jose/jwk.h"
#include "jose/jws.h"

namespace cocoon::jose {
namespace {

using crypto::KeyType;
using crypto::SignAlg;
using testing::ParseOrFail;

constexpr int64_t kNow = 1'700'000'000;

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = crypto::PrivateKey::Generate(KeyType::kEcP256);
    ASSERT_OK(k);
    key_.emplace(std::move(*k));
  }
  std::string Sign(const Json& claims) {
    auto t = SignJwt(*key_, SignAlg::kEs256, claims);
    EXPECT_TRUE(t.has_value());
    return t ? *t : std::string();
  }
  Result<Json> Verify(const std::string& token, JwtValidation v = {}) {
    if (!v.now) v.now = kNow;
    return VerifyJwt(token, key_->public_key(), SignAlg::kEs256, v);
  }
  std::optional<crypto::PrivateKey> key_;
};

TEST_F(JwtTest, RoundTripWithHeaderShape) {
  OrderedJson extra = OrderedJson::object();
  extra["kid"] = "key-1";
  auto token = SignJwt(*key_, SignAlg::kEs256, Json{{"exp", kNow + 300}, {"sub", "x"}}, extra);
  ASSERT_OK(token);
  auto parts = ParseCompact(*token);
  ASSERT_OK(parts);
  EXPECT_EQ(ToString(testing::B64(parts->header_b64)),
            R"({"alg":"ES256","typ":"JWT","kid":"key-1"})");
  auto claims = Verify(*token);
  ASSERT_OK(claims);
  EXPECT_EQ((*claims)["sub"], "x");
}

TEST_F(JwtTest, ExpiryWithLeeway) {
  // RFC 7519 §4.1.4: invalid on or after exp; the 60 s default leeway extends that.
  EXPECT_CODE(Verify(Sign({{"exp", kNow - 61}})), Code::kUnauthenticated);
  EXPECT_CODE(Verify(Sign({{"exp", kNow - 60}})), Code::kUnauthenticated);
  ASSERT_OK(Verify(Sign({{"exp", kNow - 59}})));
  ASSERT_OK(Verify(Sign({{"exp", kNow + 1}})));
  JwtValidation strict;
  strict.leeway_seconds = 0;
  EXPECT_CODE(Verify(Sign({{"exp", kNow}}), strict), Code::kUnauthenticated);
  ASSERT_OK(Verify(Sign({{"exp", kNow + 1}}), strict));
  // Fractional NumericDate values are allowed.
  ASSERT_OK(Verify(Sign({{"exp", static_cast<double>(kNow) + 100.5}})));
}

TEST_F(JwtTest, MissingExp) {
  EXPECT_CODE(Verify(Sign({{"sub", "x"}})), Code::kUnauthenticated);
  JwtValidation v;
  v.require_exp = false;
  ASSERT_OK(Verify(Sign({{"sub", "x"}}), v));
  EXPECT_CODE(Verify(Sign({{"exp", "tomorrow"}})), Code::kInvalidArgument);
}

TEST_F(JwtTest, NotBefore) {
  EXPECT_CODE(Verify(Sign({{"exp", kNow + 600}, {"nbf", kNow + 61}})), Code::kUnauthenticated);
  ASSERT_OK(Verify(Sign({{"exp", kNow + 600}, {"nbf", kNow + 60}})));
  JwtValidation v;
  v.check_nbf = false;
  ASSERT_OK(Verify(Sign({{"exp", kNow + 600}, {"nbf", kNow + 3600}}), v));
}

TEST_F(JwtTest, IssuerAndAudience) {
  const std::string token =
      Sign({{"exp", kNow + 600}, {"iss", "CoCo-Attestation-Service"}, {"aud", "kbs"}});
  JwtValidation v;
  v.issuer = "CoCo-Attestation-Service";
  v.audience = "kbs";
  ASSERT_OK(Verify(token, v));
  JwtValidation wrong_iss = v;
  wrong_iss.issuer = "someone-else";
  EXPECT_CODE(Verify(token, wrong_iss), Code::kUnauthenticated);
  JwtValidation wrong_aud = v;
  wrong_aud.audience = "other";
  EXPECT_CODE(Verify(token, wrong_aud), Code::kUnauthenticated);

  const std::string array_aud = Sign({{"exp", kNow + 600}, {"aud", Json::array({"a", "kbs"})}});
  JwtValidation aud_only;
  aud_only.audience = "kbs";
  ASSERT_OK(Verify(array_aud, aud_only));
  aud_only.audience = "b";
  EXPECT_CODE(Verify(array_aud, aud_only), Code::kUnauthenticated);

  const std::string no_claims = Sign({{"exp", kNow + 600}});
  EXPECT_CODE(Verify(no_claims, v), Code::kUnauthenticated);
}

TEST_F(JwtTest, PayloadMustBeAnObject) {
  auto token = SignCompact(*key_, SignAlg::kEs256, AsBytes("[1,2]"));
  ASSERT_OK(token);
  EXPECT_CODE(Verify(*token), Code::kInvalidArgument);
  auto not_json = SignCompact(*key_, SignAlg::kEs256, AsBytes("hello"));
  ASSERT_OK(not_json);
  EXPECT_CODE(Verify(*not_json), Code::kInvalidArgument);
  EXPECT_CODE(SignJwt(*key_, SignAlg::kEs256, Json::array()), Code::kInvalidArgument);
}

TEST_F(JwtTest, TamperedSignatureIsUnauthenticated) {
  std::string token = Sign({{"exp", kNow + 600}});
  const size_t dot = token.rfind('.');
  token = token.substr(0, dot + 1) + testing::FlipB64(token.substr(dot + 1), 3);
  EXPECT_CODE(Verify(token), Code::kUnauthenticated);
}

TEST(JwtEarTest, SyntheticEarTokenVerifiesWithItsHeaderJwk) {
  Json fixture =
      testing::LoadJson(std::string(COCOON_TESTDATA_DIR) + "/token/synthetic-ear-token.json");
  const std::string token = fixture["token"].get<std::string>();
  auto parts = ParseCompact(token);
  ASSERT_OK(parts);
  EXPECT_EQ(parts->header["typ"], "JWT");
  auto key = PublicKeyFromJwk(parts->header["jwk"]);
  ASSERT_OK(key);

  JwtValidation v;
  v.now = 1'760'000'100;
  v.issuer = "CoCo-Attestation-Service";
  auto claims = VerifyJwt(token, *key, SignAlg::kEs256, v);
  ASSERT_OK(claims);
  EXPECT_EQ((*claims)["exp"], 2000000000);
  EXPECT_EQ((*claims)["submods"]["cpu0"]["ear.status"], "contraindicated");

  // The TEE key inside the token is the one of the sample RCAR vector.
  const Json* tee = base::FindPointer(
      *claims, "/submods/cpu0/ear.veraison.annotated-evidence/runtime_data_claims/tee-pubkey");
  ASSERT_NE(tee, nullptr);
  Json vector = testing::LoadJson(std::string(COCOON_TESTDATA_DIR) +
                                  "/sample/rcar-sample-synthetic-vector.json");
  EXPECT_EQ(*tee, vector["attestation"]["runtime-data"]["tee-pubkey"]);

  // Past its exp it is rejected; with another key, or another pinned alg, too.
  v.now = 2'000'000'000 + 60;
  EXPECT_CODE(VerifyJwt(token, *key, SignAlg::kEs256, v), Code::kUnauthenticated);
  v.now = 1'760'000'100;
  auto other = crypto::PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_OK(other);
  EXPECT_CODE(VerifyJwt(token, other->public_key(), SignAlg::kEs256, v), Code::kUnauthenticated);
}

TEST(JwtClaimsTest, ValidateClaimsDirectly) {
  JwtValidation v;
  v.now = kNow;
  ASSERT_OK(ValidateJwtClaims(Json{{"exp", kNow + 1}}, v));
  EXPECT_CODE(ValidateJwtClaims(Json::array(), v), Code::kInvalidArgument);
  // Extreme values do not overflow.
  ASSERT_OK(ValidateJwtClaims(Json{{"exp", std::numeric_limits<uint64_t>::max()}}, v));
  ASSERT_OK(ValidateJwtClaims(Json{{"exp", 1e300}}, v));
  EXPECT_CODE(ValidateJwtClaims(Json{{"exp", std::numeric_limits<int64_t>::min()}}, v),
              Code::kUnauthenticated);
  EXPECT_CODE(ValidateJwtClaims(Json{{"exp", -1e300}}, v), Code::kUnauthenticated);
  v.leeway_seconds = std::numeric_limits<int64_t>::max();
  ASSERT_OK(ValidateJwtClaims(Json{{"exp", kNow - 1000}}, v));
}

}  // namespace
}  // namespace cocoon::jose
