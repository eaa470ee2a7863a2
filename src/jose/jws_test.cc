// Tests for compact JWS: RFC 7515/7520/8037 vectors, every algorithm, tampering, alg confusion,
// `crit`, and the size limit.
#include "jose/jws.h"

#include <gtest/gtest.h>

#include "base/limits.h"
#include "crypto/digest.h"
#include "jose/testing/test_util.h"
#include "jose/jwk.h"

namespace cocoon::jose {
namespace {

using crypto::KeyType;
using crypto::SignAlg;
using testing::ParseOrFail;

constexpr char kA3Jwk[] =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",)"
    R"("d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
constexpr char kA3Token[] =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

crypto::PublicKey A3Key() {
  auto k = PublicKeyFromJwk(ParseOrFail(kA3Jwk));
  EXPECT_TRUE(k.has_value());
  return *k;
}

std::string Join(const std::string& a, const std::string& b, const std::string& c) {
  return a + "." + b + "." + c;
}

struct Split {
  std::string h, p, s;
};
Split SplitToken(const std::string& t) {
  size_t d1 = t.find('.'), d2 = t.find('.', d1 + 1);
  return {t.substr(0, d1), t.substr(d1 + 1, d2 - d1 - 1), t.substr(d2 + 1)};
}

TEST(JwsTest, VerifiesRfc7515A3Es256) {
  auto parts = VerifyCompact(kA3Token, A3Key(), SignAlg::kEs256);
  ASSERT_OK(parts);
  EXPECT_EQ(ToString(parts->payload),
            "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}");
  EXPECT_EQ(parts->header["alg"], "ES256");
}

TEST(JwsTest, VerifiesRfc7515A4AndRfc7520Section43Es512) {
  auto a4_key = PublicKeyFromJwk(ParseOrFail(
      R"({"kty":"EC","crv":"P-521",)"
      R"("x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",)"
      R"("y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"})"));
  ASSERT_OK(a4_key);
  auto a4 = VerifyCompact(
      "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA."
      "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8G"
      "aSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn",
      *a4_key, SignAlg::kEs512);
  ASSERT_OK(a4);
  EXPECT_EQ(ToString(a4->payload), "Payload");

  auto bilbo = PublicKeyFromJwk(ParseOrFail(
      R"({"kty":"EC","kid":"bilbo.baggins@hobbiton.example","use":"sig","crv":"P-521",)"
      R"("x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",)"
      R"("y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1"})"));
  ASSERT_OK(bilbo);
  auto s43 = VerifyCompact(
      "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
      "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250"
      "byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hl"
      "cmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4."
      "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon7KRTzoNEuT4Va2cmL1eJAQy3"
      "mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2",
      *bilbo, SignAlg::kEs512);
  ASSERT_OK(s43);
  EXPECT_EQ(s43->header["kid"], "bilbo.baggins@hobbiton.example");
}

TEST(JwsTest, SignsRfc8037A4EdDsaByteForByte) {
  auto key = PrivateKeyFromJwk(ParseOrFail(
      R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",)"
      R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})"));
  ASSERT_OK(key);
  auto token = SignCompact(*key, SignAlg::kEdDsa, AsBytes("Example of Ed25519 signing"));
  ASSERT_OK(token);
  EXPECT_EQ(
      *token,
      "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
  ASSERT_OK(VerifyCompact(*token, key->public_key(), SignAlg::kEdDsa));
}

struct AlgCase {
  SignAlg alg;
  KeyType key;
};

class JwsRoundTrip : public ::testing::TestWithParam<AlgCase> {};

TEST_P(JwsRoundTrip, SignVerifyAndTamper) {
  auto key = crypto::PrivateKey::Generate(GetParam().key);
  ASSERT_OK(key);
  const crypto::PublicKey pub = key->public_key();
  OrderedJson extra = OrderedJson::object();
  extra["kid"] = "k1";
  auto token = SignCompact(*key, GetParam().alg, AsBytes("{\"a\":1}"), extra);
  ASSERT_OK(token);
  Split s = SplitToken(*token);
  EXPECT_EQ(
      ToString(testing::B64(s.h)),
      "{\"alg\":\"" + std::string(crypto::SignAlgName(GetParam().alg)) + "\",\"kid\":\"k1\"}");
  auto ok = VerifyCompact(*token, pub, GetParam().alg);
  ASSERT_OK(ok);
  EXPECT_EQ(ToString(ok->payload), "{\"a\":1}");

  // Tampered header (still valid JSON with the right alg), payload, signature.
  std::string h2 = base::Base64UrlEncode(
      "{\"alg\":\"" + std::string(crypto::SignAlgName(GetParam().alg)) + "\",\"kid\":\"k2\"}");
  EXPECT_CODE(VerifyCompact(Join(h2, s.p, s.s), pub, GetParam().alg), Code::kUnauthenticated);
  EXPECT_CODE(
      VerifyCompact(Join(s.h, base::Base64UrlEncode("{\"a\":2}"), s.s), pub, GetParam().alg),
      Code::kUnauthenticated);
  EXPECT_CODE(VerifyCompact(Join(s.h, s.p, testing::FlipB64(s.s, 5)), pub, GetParam().alg),
              Code::kUnauthenticated);
  EXPECT_CODE(VerifyCompact(Join(s.h, s.p, ""), pub, GetParam().alg), Code::kUnauthenticated);

  // A different key of the same type.
  auto other = crypto::PrivateKey::Generate(GetParam().key);
  ASSERT_OK(other);
  EXPECT_CODE(VerifyCompact(*token, other->public_key(), GetParam().alg), Code::kUnauthenticated);
}

INSTANTIATE_TEST_SUITE_P(
    AllAlgs, JwsRoundTrip,
    ::testing::Values(
        AlgCase{SignAlg::kEs256, KeyType::kEcP256}, AlgCase{SignAlg::kEs384, KeyType::kEcP384},
        AlgCase{SignAlg::kEs512, KeyType::kEcP521}, AlgCase{SignAlg::kRs256, KeyType::kRsa},
        AlgCase{SignAlg::kRs384, KeyType::kRsa}, AlgCase{SignAlg::kRs512, KeyType::kRsa},
        AlgCase{SignAlg::kPs256, KeyType::kRsa}, AlgCase{SignAlg::kPs384, KeyType::kRsa},
        AlgCase{SignAlg::kPs512, KeyType::kRsa}, AlgCase{SignAlg::kEdDsa, KeyType::kEd25519}),
    [](const auto& info) { return std::string(crypto::SignAlgName(info.param.alg)); });

TEST(JwsTest, AlgConfusionIsRejected) {
  const crypto::PublicKey key = A3Key();
  Split a3 = SplitToken(kA3Token);
  const std::string input_payload = a3.p;

  // HS256 "signed" with the public key bytes as the HMAC secret (the classic confusion attack).
  std::string hs_header = base::Base64UrlEncode("{\"alg\":\"HS256\"}");
  auto spki = key.ToDer();
  ASSERT_OK(spki);
  Bytes mac =
      crypto::Hmac(crypto::HashAlg::kSha256, *spki, AsBytes(hs_header + "." + input_payload));
  EXPECT_CODE(VerifyCompact(Join(hs_header, input_payload, base::Base64UrlEncode(mac)), key,
                            SignAlg::kEs256),
              Code::kUnauthenticated);

  // alg "none" with an empty signature, and a missing / non-string alg.
  EXPECT_CODE(VerifyCompact(Join(base::Base64UrlEncode("{\"alg\":\"none\"}"), input_payload, ""),
                            key, SignAlg::kEs256),
              Code::kUnauthenticated);
  EXPECT_CODE(
      VerifyCompact(Join(base::Base64UrlEncode("{}"), input_payload, a3.s), key, SignAlg::kEs256),
      Code::kUnauthenticated);
  EXPECT_CODE(VerifyCompact(Join(base::Base64UrlEncode("{\"alg\":7}"), input_payload, a3.s), key,
                            SignAlg::kEs256),
              Code::kUnauthenticated);

  // An RS256 header over a valid ES256 signature, and a valid ES256 token checked as ES384.
  EXPECT_CODE(VerifyCompact(Join(base::Base64UrlEncode("{\"alg\":\"RS256\"}"), input_payload, a3.s),
                            key, SignAlg::kEs256),
              Code::kUnauthenticated);
  // The caller pinning an alg that does not fit the key is a programming error.
  EXPECT_CODE(VerifyCompact(kA3Token, key, SignAlg::kRs256), Code::kInvalidArgument);
  EXPECT_CODE(VerifyCompact(kA3Token, key, SignAlg::kEs384), Code::kInvalidArgument);
}

TEST(JwsTest, CritHeaderIsRejected) {
  auto key = crypto::PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_OK(key);
  OrderedJson extra = OrderedJson::object();
  extra["crit"] = OrderedJson::array({"exp"});
  extra["exp"] = 1;
  auto token = SignCompact(*key, SignAlg::kEs256, AsBytes("x"), extra);
  ASSERT_OK(token);
  EXPECT_CODE(VerifyCompact(*token, key->public_key(), SignAlg::kEs256), Code::kUnauthenticated);
}

TEST(JwsTest, SignRejectsMisuse) {
  auto key = crypto::PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_OK(key);
  EXPECT_CODE(SignCompact(*key, SignAlg::kRs256, AsBytes("x")), Code::kInvalidArgument);
  OrderedJson extra = OrderedJson::object();
  extra["alg"] = "none";
  EXPECT_CODE(SignCompact(*key, SignAlg::kEs256, AsBytes("x"), extra), Code::kInvalidArgument);
}

TEST(JwsTest, ParseRejectsMalformedTokens) {
  EXPECT_CODE(ParseCompact("abc"), Code::kInvalidArgument);
  EXPECT_CODE(ParseCompact("a.b"), Code::kInvalidArgument);
  EXPECT_CODE(ParseCompact("eyJhbGciOiJFUzI1NiJ9.e30.AA.AA"), Code::kInvalidArgument);
  EXPECT_CODE(ParseCompact("eyJhbGciOiJFUzI1NiJ9=.e30.AA"), Code::kInvalidArgument);
  EXPECT_CODE(ParseCompact("eyJhbGciOiJFUzI1NiJ9.e30.A+"), Code::kInvalidArgument);
  EXPECT_CODE(ParseCompact(base::Base64UrlEncode("not json") + ".e30.AA"), Code::kInvalidArgument);
  EXPECT_CODE(ParseCompact(base::Base64UrlEncode("[1]") + ".e30.AA"), Code::kInvalidArgument);
  ASSERT_OK(ParseCompact(kA3Token));
}

TEST(JwsTest, SizeLimit) {
  const std::string header = base::Base64UrlEncode("{\"alg\":\"ES256\"}");
  auto make = [&](size_t total) {
    return header + "." + std::string(total - header.size() - 2, 'A') + ".";
  };
  const std::string at = make(limits::kJwtMaxBytes);
  const std::string over = make(limits::kJwtMaxBytes + 1);
  ASSERT_NE((at.size() - header.size() - 2) % 4, 1u);  // both are valid base64url lengths
  ASSERT_NE((over.size() - header.size() - 2) % 4, 1u);
  ASSERT_OK(ParseCompact(at));
  EXPECT_CODE(ParseCompact(over), Code::kResourceExhausted);
  EXPECT_CODE(VerifyCompact(over, A3Key(), SignAlg::kEs256), Code::kResourceExhausted);
}

}  // namespace
}  // namespace cocoon::jose
