// Tests for JWE: the byte-exact Trustee vector, RFC 7520 §5.2 and RFC 7518 Appendix C, round trips
// for every key-management alg, tampering of each member, and rejection of unsupported input.
#include "jose/jwe.h"

#include <gtest/gtest.h>

#include "crypto/aes.h"
#include "crypto/ecdh.h"
#include "crypto/rsa.h"
#include "jose/testing/test_util.h"
#include "jose/jwk.h"

namespace cocoon::jose {
namespace {

using crypto::KeyType;
using testing::B64;
using testing::FlipB64;
using testing::LoadJson;
using testing::ParseOrFail;

constexpr char kSecret[] = "this is a test secret";

Json Vector() {
  return LoadJson(std::string(COCOON_TESTDATA_DIR) + "/sample/rcar-sample-synthetic-vector.json");
}

Json ToJson(const OrderedJson& j) { return ParseOrFail(base::DumpJson(j)); }

std::string Plain(const Result<crypto::SecretBytes>& r) {
  return r ? std::string(r->view()) : "<error: " + r.error().ToString() + ">";
}

TEST(JweTest, ReproducesTrusteeVectorByteForByte) {
  Json v = Vector();
  auto tee = PublicKeyFromJwk(v["attestation"]["runtime-data"]["tee-pubkey"]);
  ASSERT_OK(tee);
  auto eph = crypto::PrivateKey::FromPem(v["kbs_ephemeral_private_key_pem"].get<std::string>());
  ASSERT_OK(eph);
  JweTestInputs in;
  in.cek = Bytes(32, 0x33);
  in.iv = Bytes(12, 0x44);
  in.ephemeral = *eph;
  auto jwe = EncryptFlattened(*tee, KeyAlg::kEcdhEsA256kw, AsBytes(kSecret), in);
  ASSERT_OK(jwe);
  const Json& want = v["jwe"]["response"];
  const std::string expected = R"({"protected":")" + want["protected"].get<std::string>() +
                               R"(","encrypted_key":")" + want["encrypted_key"].get<std::string>() +
                               R"(","iv":")" + want["iv"].get<std::string>() +
                               R"(","ciphertext":")" + want["ciphertext"].get<std::string>() +
                               R"(","tag":")" + want["tag"].get<std::string>() + R"("})";
  EXPECT_EQ(base::DumpJson(*jwe), expected);
  EXPECT_EQ(ToString(B64((*jwe)["protected"].get<std::string>())),
            v["jwe"]["protected_header_json"].get<std::string>());

  auto compact = EncryptCompact(*tee, KeyAlg::kEcdhEsA256kw, AsBytes(kSecret), in);
  ASSERT_OK(compact);
  EXPECT_EQ(*compact,
            want["protected"].get<std::string>() + "." + want["encrypted_key"].get<std::string>() +
                "." + want["iv"].get<std::string>() + "." + want["ciphertext"].get<std::string>() +
                "." + want["tag"].get<std::string>());
}

TEST(JweTest, DecryptsTrusteeVector) {
  Json v = Vector();
  auto key = crypto::PrivateKey::FromPem(v["tee_private_key_pem"].get<std::string>());
  ASSERT_OK(key);
  EXPECT_EQ(Plain(DecryptFlattened(v["jwe"]["response"], *key)), kSecret);
  // The KBS ephemeral key is not the recipient: unwrap fails.
  auto eph = crypto::PrivateKey::FromPem(v["kbs_ephemeral_private_key_pem"].get<std::string>());
  ASSERT_OK(eph);
  EXPECT_CODE(DecryptFlattened(v["jwe"]["response"], *eph), Code::kUnauthenticated);
}

TEST(JweTest, DecryptsRfc7520Section52RsaOaep) {
  Json t = LoadJson(std::string(COCOON_SOURCE_DIR) + "/src/jose/testdata/rfc7520-5.2.json");
  auto key = PrivateKeyFromJwk(t["key"]);
  ASSERT_OK(key);
  EXPECT_EQ(Plain(DecryptCompact(t["compact"].get<std::string>(), *key)),
            t["plaintext"].get<std::string>());
}

// Builds an ECDH-ES+A256KW JWE by hand so tests control every header member.
struct HandJwe {
  std::string protected_json;
  std::optional<Json> header;  // per-recipient unprotected header
  Bytes apu, apv;
  std::optional<std::string> aad;
};
Json BuildEcdh(const HandJwe& h, const crypto::PrivateKey& eph, const crypto::PublicKey& to) {
  const Bytes cek(32, 0x5a), iv(12, 0x01);
  auto z = crypto::EcdhSharedSecret(eph, to);
  EXPECT_TRUE(z.has_value());
  crypto::SecretBytes kek = crypto::ConcatKdf(z->span(), "ECDH-ES+A256KW", h.apu, h.apv, 256);
  auto wrapped = crypto::AesKeyWrap(kek.span(), cek);
  EXPECT_TRUE(wrapped.has_value());
  const std::string protected_b64 = base::Base64UrlEncode(h.protected_json);
  std::string aad = protected_b64;
  if (h.aad) aad += "." + *h.aad;
  auto sealed = crypto::AesGcmEncrypt(cek, iv, AsBytes(aad), AsBytes(kSecret));
  EXPECT_TRUE(sealed.has_value());
  Json j = {{"protected", protected_b64},
            {"encrypted_key", base::Base64UrlEncode(*wrapped)},
            {"iv", base::Base64UrlEncode(iv)},
            {"ciphertext", base::Base64UrlEncode(sealed->ciphertext)},
            {"tag", base::Base64UrlEncode(sealed->tag)}};
  if (h.header) j["header"] = *h.header;
  if (h.aad) j["aad"] = *h.aad;
  return j;
}

std::string EpkJson(const crypto::PrivateKey& eph) {
  return base::DumpJson(PublicKeyToJwk(eph.public_key()));
}

TEST(JweTest, Rfc7518AppendixCKdfAndApuApvAreHonoured) {
  auto alice = PrivateKeyFromJwk(ParseOrFail(
      R"({"kty":"EC","crv":"P-256","x":"gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0",)"
      R"("y":"SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps","d":"0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo"})"));
  auto bob = PrivateKeyFromJwk(ParseOrFail(
      R"({"kty":"EC","crv":"P-256","x":"weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ",)"
      R"("y":"e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck","d":"VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw"})"));
  ASSERT_OK(alice);
  ASSERT_OK(bob);
  auto z = crypto::EcdhSharedSecret(*bob, alice->public_key());
  ASSERT_OK(z);
  crypto::SecretBytes derived =
      crypto::ConcatKdf(z->span(), "A128GCM", AsBytes("Alice"), AsBytes("Bob"), 128);
  EXPECT_EQ(base::Base64UrlEncode(derived.span()), "VqqN6vgjbSBcIijNcacQGg");

  HandJwe h;
  h.apu = ToBytes("Alice");
  h.apv = ToBytes("Bob");
  h.protected_json =
      R"({"alg":"ECDH-ES+A256KW","enc":"A256GCM","apu":"QWxpY2U","apv":"Qm9i","epk":)" +
      EpkJson(*alice) + "}";
  Json jwe = BuildEcdh(h, *alice, bob->public_key());
  EXPECT_EQ(Plain(DecryptFlattened(jwe, *bob)), kSecret);

  // Without apu/apv in the KDF (KBS style) the KEK differs, so success above proves they are used.
  HandJwe no_apv = h;
  no_apv.apv.clear();
  Json mismatched = BuildEcdh(no_apv, *alice, bob->public_key());
  EXPECT_CODE(DecryptFlattened(mismatched, *bob), Code::kUnauthenticated);
}

TEST(JweTest, UnprotectedHeaderAndAadMember) {
  auto eph = crypto::PrivateKey::Generate(KeyType::kEcP384);
  auto me = crypto::PrivateKey::Generate(KeyType::kEcP384);
  ASSERT_OK(eph);
  ASSERT_OK(me);
  // epk in the per-recipient header, as the jose CLI emits it.
  HandJwe h;
  h.protected_json = R"({"alg":"ECDH-ES+A256KW","enc":"A256GCM"})";
  h.header = Json{{"epk", ParseOrFail(EpkJson(*eph))}};
  Json jwe = BuildEcdh(h, *eph, me->public_key());
  EXPECT_EQ(Plain(DecryptFlattened(jwe, *me)), kSecret);

  // RFC 7516 §5.2: AAD = protected "." aad.
  HandJwe with_aad = h;
  with_aad.aad = base::Base64UrlEncode("bound context");
  Json aad_jwe = BuildEcdh(with_aad, *eph, me->public_key());
  EXPECT_EQ(Plain(DecryptFlattened(aad_jwe, *me)), kSecret);
  Json stripped = aad_jwe;
  stripped.erase("aad");
  EXPECT_CODE(DecryptFlattened(stripped, *me), Code::kUnauthenticated);
  Json changed = aad_jwe;
  changed["aad"] = base::Base64UrlEncode("other context");
  EXPECT_CODE(DecryptFlattened(changed, *me), Code::kUnauthenticated);
  Json added = jwe;
  added["aad"] = base::Base64UrlEncode("x");
  EXPECT_CODE(DecryptFlattened(added, *me), Code::kUnauthenticated);

  // A header parameter may not appear in both the protected and the unprotected header.
  Json dup = jwe;
  dup["header"]["enc"] = "A256GCM";
  EXPECT_CODE(DecryptFlattened(dup, *me), Code::kInvalidArgument);
}

struct AlgCase {
  KeyAlg alg;
  KeyType key;
};

class JweRoundTrip : public ::testing::TestWithParam<AlgCase> {};

TEST_P(JweRoundTrip, EncryptDecryptAndTamper) {
  auto key = crypto::PrivateKey::Generate(GetParam().key);
  ASSERT_OK(key);
  auto jwe_o = EncryptFlattened(key->public_key(), GetParam().alg, AsBytes(kSecret));
  ASSERT_OK(jwe_o);
  Json jwe = ToJson(*jwe_o);
  std::vector<std::string> names;
  for (const auto& [k, v] : jwe_o->items()) names.push_back(k);
  EXPECT_EQ(names,
            (std::vector<std::string>{"protected", "encrypted_key", "iv", "ciphertext", "tag"}));
  Json header = ParseOrFail(ToString(B64(jwe["protected"].get<std::string>())));
  EXPECT_EQ(header["alg"], KeyAlgName(GetParam().alg));
  EXPECT_EQ(header["enc"], "A256GCM");
  EXPECT_EQ(B64(jwe["iv"].get<std::string>()).size(), 12u);
  EXPECT_EQ(B64(jwe["tag"].get<std::string>()).size(), 16u);
  EXPECT_EQ(Plain(DecryptFlattened(jwe, *key)), kSecret);

  // Each member tampered: the failure is an authentication failure, never a parse error.
  for (const char* member : {"encrypted_key", "iv", "ciphertext", "tag"}) {
    Json t = jwe;
    t[member] = FlipB64(t[member].get<std::string>());
    SCOPED_TRACE(member);
    EXPECT_CODE(DecryptFlattened(t, *key), Code::kUnauthenticated);
  }
  Json t = jwe;
  Json h2 = header;
  h2["kid"] = "x";
  t["protected"] = base::Base64UrlEncode(base::DumpJson(h2));
  EXPECT_CODE(DecryptFlattened(t, *key), Code::kUnauthenticated);

  // Compact form, and randomness of CEK/IV between encryptions.
  auto compact = EncryptCompact(key->public_key(), GetParam().alg, AsBytes(kSecret));
  ASSERT_OK(compact);
  EXPECT_EQ(Plain(DecryptCompact(*compact, *key)), kSecret);
  auto again = EncryptFlattened(key->public_key(), GetParam().alg, AsBytes(kSecret));
  ASSERT_OK(again);
  EXPECT_NE((*again)["iv"], (*jwe_o)["iv"]);
  EXPECT_NE((*again)["encrypted_key"], (*jwe_o)["encrypted_key"]);

  // Another key of the same type cannot decrypt.
  auto other = crypto::PrivateKey::Generate(GetParam().key);
  ASSERT_OK(other);
  EXPECT_CODE(DecryptFlattened(jwe, *other), Code::kUnauthenticated);
}

INSTANTIATE_TEST_SUITE_P(AllAlgs, JweRoundTrip,
                         ::testing::Values(AlgCase{KeyAlg::kRsaOaep, KeyType::kRsa},
                                           AlgCase{KeyAlg::kRsaOaep256, KeyType::kRsa},
                                           AlgCase{KeyAlg::kRsa1_5, KeyType::kRsa},
                                           AlgCase{KeyAlg::kEcdhEsA256kw, KeyType::kEcP256},
                                           AlgCase{KeyAlg::kEcdhEsA256kw, KeyType::kEcP384},
                                           AlgCase{KeyAlg::kEcdhEsA256kw, KeyType::kEcP521}),
                         [](const auto& info) {
                           std::string name = std::string(KeyAlgName(info.param.alg)) + "_" +
                                              std::string(crypto::KeyTypeName(info.param.key));
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(JweTest, RsaHeaderIsExactlyTrustees) {
  auto key = crypto::PrivateKey::Generate(KeyType::kRsa);
  ASSERT_OK(key);
  auto jwe = EncryptFlattened(key->public_key(), KeyAlg::kRsaOaep256, AsBytes(kSecret));
  ASSERT_OK(jwe);
  EXPECT_EQ(ToString(B64((*jwe)["protected"].get<std::string>())),
            R"({"alg":"RSA-OAEP-256","enc":"A256GCM"})");
}

TEST(JweTest, Rsa1_5PaddingFailureSurfacesOnlyAsTagFailure) {
  auto key = crypto::PrivateKey::Generate(KeyType::kRsa);
  ASSERT_OK(key);
  auto jwe_o = EncryptFlattened(key->public_key(), KeyAlg::kRsa1_5, AsBytes(kSecret));
  ASSERT_OK(jwe_o);
  Json jwe = ToJson(*jwe_o);
  // Garbage instead of a PKCS#1 block.
  Json garbage = jwe;
  garbage["encrypted_key"] = base::Base64UrlEncode(Bytes(256, 0x42));
  auto r1 = DecryptFlattened(garbage, *key);
  EXPECT_CODE(r1, Code::kUnauthenticated);
  // Well-formed padding around a CEK of the wrong length.
  auto short_cek =
      crypto::RsaEncrypt(key->public_key(), crypto::RsaPadding::kPkcs1v15, Bytes(16, 7));
  ASSERT_OK(short_cek);
  Json wrong_len = jwe;
  wrong_len["encrypted_key"] = base::Base64UrlEncode(*short_cek);
  auto r2 = DecryptFlattened(wrong_len, *key);
  EXPECT_CODE(r2, Code::kUnauthenticated);
  // Both look exactly like a corrupted tag.
  Json bad_tag = jwe;
  bad_tag["tag"] = FlipB64(bad_tag["tag"].get<std::string>());
  auto r3 = DecryptFlattened(bad_tag, *key);
  EXPECT_CODE(r3, Code::kUnauthenticated);
  EXPECT_EQ(r1.error().message(), r3.error().message());
  EXPECT_EQ(r2.error().message(), r3.error().message());
}

TEST(JweTest, RejectsUnsupportedAlgorithmsAndMismatchedKeys) {
  auto ec = crypto::PrivateKey::Generate(KeyType::kEcP256);
  auto rsa = crypto::PrivateKey::Generate(KeyType::kRsa);
  auto ed = crypto::PrivateKey::Generate(KeyType::kEd25519);
  ASSERT_OK(ec);
  ASSERT_OK(rsa);
  ASSERT_OK(ed);
  EXPECT_CODE(EncryptFlattened(ec->public_key(), KeyAlg::kRsaOaep, AsBytes("x")),
              Code::kInvalidArgument);
  EXPECT_CODE(EncryptFlattened(rsa->public_key(), KeyAlg::kEcdhEsA256kw, AsBytes("x")),
              Code::kInvalidArgument);
  EXPECT_CODE(EncryptFlattened(ed->public_key(), KeyAlg::kEcdhEsA256kw, AsBytes("x")),
              Code::kInvalidArgument);
  JweTestInputs bad_cek;
  bad_cek.cek = Bytes(16, 1);
  EXPECT_CODE(EncryptFlattened(ec->public_key(), KeyAlg::kEcdhEsA256kw, AsBytes("x"), bad_cek),
              Code::kInvalidArgument);
  auto p384 = crypto::PrivateKey::Generate(KeyType::kEcP384);
  ASSERT_OK(p384);
  JweTestInputs wrong_curve;
  wrong_curve.ephemeral = *p384;
  EXPECT_CODE(EncryptFlattened(ec->public_key(), KeyAlg::kEcdhEsA256kw, AsBytes("x"), wrong_curve),
              Code::kInvalidArgument);

  auto rsa_jwe = EncryptFlattened(rsa->public_key(), KeyAlg::kRsaOaep256, AsBytes("x"));
  auto ec_jwe = EncryptFlattened(ec->public_key(), KeyAlg::kEcdhEsA256kw, AsBytes("x"));
  ASSERT_OK(rsa_jwe);
  ASSERT_OK(ec_jwe);
  EXPECT_CODE(DecryptFlattened(ToJson(*rsa_jwe), *ec), Code::kInvalidArgument);
  EXPECT_CODE(DecryptFlattened(ToJson(*ec_jwe), *rsa), Code::kInvalidArgument);
  // epk on another curve than the recipient's key.
  EXPECT_CODE(DecryptFlattened(ToJson(*ec_jwe), *p384), Code::kInvalidArgument);

  auto with_header = [&](const std::string& header_json) {
    Json j = ToJson(*ec_jwe);
    j["protected"] = base::Base64UrlEncode(header_json);
    return j;
  };
  Json hdr = ParseOrFail(ToString(B64((*ec_jwe)["protected"].get<std::string>())));
  for (const char* enc : {"A128GCM", "A256CBC-HS512", ""}) {
    Json h = hdr;
    h["enc"] = enc;
    EXPECT_CODE(DecryptFlattened(with_header(base::DumpJson(h)), *ec), Code::kInvalidArgument);
  }
  for (const char* alg : {"dir", "ECDH-ES", "ECDH-ES+A128KW", "RSA-OAEP-384", "none"}) {
    Json h = hdr;
    h["alg"] = alg;
    EXPECT_CODE(DecryptFlattened(with_header(base::DumpJson(h)), *ec), Code::kInvalidArgument);
  }
  Json crit = hdr;
  crit["crit"] = Json::array({"x"});
  EXPECT_CODE(DecryptFlattened(with_header(base::DumpJson(crit)), *ec), Code::kInvalidArgument);
  Json zip = hdr;
  zip["zip"] = "DEF";
  EXPECT_CODE(DecryptFlattened(with_header(base::DumpJson(zip)), *ec), Code::kInvalidArgument);
}

TEST(JweTest, RejectsMalformedSerialisations) {
  auto ec = crypto::PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_OK(ec);
  auto jwe_o = EncryptFlattened(ec->public_key(), KeyAlg::kEcdhEsA256kw, AsBytes("x"));
  ASSERT_OK(jwe_o);
  const Json jwe = ToJson(*jwe_o);
  for (const char* member : {"protected", "encrypted_key", "iv", "ciphertext", "tag"}) {
    Json missing = jwe;
    missing.erase(member);
    SCOPED_TRACE(member);
    EXPECT_CODE(DecryptFlattened(missing, *ec), Code::kInvalidArgument);
    Json padded = jwe;
    padded[member] = padded[member].get<std::string>() + "=";
    SCOPED_TRACE(member);
    EXPECT_CODE(DecryptFlattened(padded, *ec), Code::kInvalidArgument);
  }
  Json short_iv = jwe;
  short_iv["iv"] = base::Base64UrlEncode(Bytes(8, 0));
  EXPECT_CODE(DecryptFlattened(short_iv, *ec), Code::kInvalidArgument);
  Json short_tag = jwe;
  short_tag["tag"] = base::Base64UrlEncode(Bytes(12, 0));
  EXPECT_CODE(DecryptFlattened(short_tag, *ec), Code::kInvalidArgument);
  Json general = jwe;
  general["recipients"] = Json::array();
  EXPECT_CODE(DecryptFlattened(general, *ec), Code::kInvalidArgument);
  EXPECT_CODE(DecryptFlattened(Json::array(), *ec), Code::kInvalidArgument);
  Json not_obj = jwe;
  not_obj["protected"] = base::Base64UrlEncode("[]");
  EXPECT_CODE(DecryptFlattened(not_obj, *ec), Code::kInvalidArgument);

  auto compact = EncryptCompact(ec->public_key(), KeyAlg::kEcdhEsA256kw, AsBytes("x"));
  ASSERT_OK(compact);
  EXPECT_CODE(DecryptCompact(*compact + ".", *ec), Code::kInvalidArgument);
  EXPECT_CODE(DecryptCompact(compact->substr(0, compact->rfind('.')), *ec), Code::kInvalidArgument);
  EXPECT_CODE(DecryptCompact("", *ec), Code::kInvalidArgument);
}

TEST(JweTest, KeyAlgNames) {
  for (KeyAlg a : {KeyAlg::kRsaOaep, KeyAlg::kRsaOaep256, KeyAlg::kRsa1_5, KeyAlg::kEcdhEsA256kw}) {
    auto parsed = ParseKeyAlg(KeyAlgName(a));
    ASSERT_OK(parsed);
    EXPECT_EQ(*parsed, a);
  }
  EXPECT_CODE(ParseKeyAlg("rsa-oaep"), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::jose
