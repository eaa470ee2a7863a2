#include "tee/tpm/tpm_types.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/limits.h"
#include "tee/tpm/marshal.h"
#include "testutil/testdata.h"

namespace cocoon::tee::tpm {
namespace {

Bytes VectorField(const char* key) {
  Json v = testutil::TestdataJson("tpm/tpm_evidence.json");
  return *base::Base64Decode(v["tpm_quote"][key].get<std::string>());
}

// MANIFEST.md: magic 0xFF544347, type 0x8018, SHA-256 bitmap ffffff, the pcrDigest and the
// 64-byte extraData (a SHA-384 padded with 16 zero bytes).
TEST(TpmTypes, ParsesTrusteeQuote) {
  auto a = ParseAttest(VectorField("message"));
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(a->magic, kGeneratedValue);
  EXPECT_EQ(a->type, kStAttestQuote);
  ASSERT_EQ(a->pcr_select.size(), 1u);
  EXPECT_EQ(a->pcr_select[0].hash, kAlgSha256);
  ASSERT_EQ(a->pcr_select[0].pcrs.size(), 24u);
  EXPECT_EQ(a->pcr_select[0].pcrs.back(), 23u);
  EXPECT_EQ(base::HexEncode(a->pcr_digest),
            "019de64c9318655e422c3d03831169896e31f02a1d74e4d8fef575bf4e0d75fa");
  EXPECT_EQ(base::HexEncode(a->extra_data),
            "a04182b506878d4f29b91ee606a71a0d3361ccf1b22db20c98adcaa537bea393ef0e41a18b3569ab678f"
            "1497fbc5c120" +
                std::string(32, '0'));
}

TEST(TpmTypes, ParsesTrusteeSignature) {
  auto s = ParseSignature(VectorField("signature"));
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->sig_alg, kAlgRsaSsa);
  EXPECT_EQ(s->hash, kAlgSha256);
  EXPECT_EQ(s->rsa_sig.size(), 256u);
}

TEST(TpmTypes, EveryTruncationIsRejected) {
  Bytes msg = VectorField("message");
  for (size_t n = 0; n < msg.size(); ++n) {
    auto a = ParseAttest(ByteSpan(msg).first(n));
    ASSERT_FALSE(a) << n;
    EXPECT_EQ(a.error().code(), Code::kInvalidArgument);
  }
  Bytes sig = VectorField("signature");
  for (size_t n = 0; n < sig.size(); ++n) EXPECT_FALSE(ParseSignature(ByteSpan(sig).first(n)));
  msg.push_back(0);
  auto trailing = ParseAttest(msg);
  ASSERT_FALSE(trailing);
  EXPECT_NE(trailing.error().message().find("TPMS_ATTEST"), std::string::npos);
}

TEST(TpmTypes, ErrorsNameTheField) {
  Bytes msg = VectorField("message");
  Bytes bad_magic = msg;
  bad_magic[0] = 0;
  EXPECT_NE(ParseAttest(bad_magic).error().message().find("TPMS_ATTEST.magic"), std::string::npos);
  Bytes bad_type = msg;
  bad_type[5] = 0x17;  // TPM_ST_ATTEST_CERTIFY
  EXPECT_NE(ParseAttest(bad_type).error().message().find("TPMS_ATTEST.type 0x8017"),
            std::string::npos);
  Bytes sig = VectorField("signature");
  sig[1] = 0x10;  // TPM_ALG_NULL
  EXPECT_NE(ParseSignature(sig).error().message().find("TPMT_SIGNATURE.sigAlg null"),
            std::string::npos);
}

// TPM2B_DATA extraData: at the limit (66 bytes = sizeof(TPMT_HA)) and one past it.
TEST(TpmTypes, ExtraDataLimit) {
  Attest a;
  a.magic = kGeneratedValue;
  a.type = kStAttestQuote;
  a.pcr_select.push_back({kAlgSha256, {0, 1}});
  a.pcr_digest = Bytes(32, 1);
  a.extra_data = Bytes(limits::kTpmDataMaxBytes, 7);
  auto ok = ParseAttest(MarshalAttest(a));
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->extra_data, a.extra_data);
  EXPECT_EQ(ok->pcr_select[0].pcrs, (std::vector<uint32_t>{0, 1}));
  a.extra_data.push_back(7);
  auto r = ParseAttest(MarshalAttest(a));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("TPMS_ATTEST.extraData.size 67 exceeds"), std::string::npos);
}

TEST(TpmTypes, PublicRoundTripRsaAndEcc) {
  auto rsa = crypto::PrivateKey::Generate(crypto::KeyType::kRsa, 2048);
  ASSERT_TRUE(rsa);
  Public p;
  p.type = kAlgRsa;
  p.name_alg = kAlgSha256;
  p.object_attributes = kObjRestricted | kObjSign | kObjFixedTpm;
  p.scheme = kAlgRsaSsa;
  p.scheme_hash = kAlgSha256;
  p.rsa_key_bits = 2048;
  p.rsa_modulus = *rsa->public_key().RsaModulus();
  Bytes enc = MarshalPublic(p);
  for (const Bytes& form :
       {enc, [&] {  // bare TPMT_PUBLIC and TPM2B_PUBLIC
          Bytes b = {static_cast<uint8_t>(enc.size() >> 8), static_cast<uint8_t>(enc.size())};
          b.insert(b.end(), enc.begin(), enc.end());
          return b;
        }()}) {
    auto parsed = ParsePublic(form);
    ASSERT_TRUE(parsed) << parsed.error().ToString();
    EXPECT_EQ(parsed->encoded, enc);
    auto key = ToPublicKey(*parsed);
    ASSERT_TRUE(key);
    EXPECT_TRUE(key->Equals(rsa->public_key()));
    auto name = ComputeName(*parsed);
    ASSERT_TRUE(name);
    EXPECT_EQ(name->size(), 34u);
    EXPECT_EQ(Bytes(name->begin() + 2, name->end()), crypto::Sha256(enc));
  }
  auto ec = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  ASSERT_TRUE(ec);
  Public e;
  e.type = kAlgEcc;
  e.name_alg = kAlgSha256;
  e.object_attributes = kObjRestricted | kObjSign;
  e.scheme = kAlgEcdsa;
  e.scheme_hash = kAlgSha256;
  e.curve = kEccNistP256;
  e.ecc_x = *ec->public_key().EcX();
  e.ecc_y = *ec->public_key().EcY();
  auto pe = ParsePublic(MarshalPublic(e));
  ASSERT_TRUE(pe) << pe.error().ToString();
  EXPECT_TRUE(ToPublicKey(*pe)->Equals(ec->public_key()));
  e.curve = 0x0010;  // BN P-256: not supported
  auto bn = ToPublicKey(*ParsePublic(MarshalPublic(e)));
  ASSERT_FALSE(bn);
  EXPECT_NE(bn.error().message().find("curveID"), std::string::npos);
}

TEST(TpmTypes, PublicRejectsOtherTypesAndBadSizes) {
  Bytes keyedhash = {0x00, 0x08, 0x00, 0x0b, 0, 0, 0, 0};
  auto r = ParsePublic(keyedhash);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("TPMT_PUBLIC.type"), std::string::npos);
  Public p;
  p.type = kAlgRsa;
  p.name_alg = kAlgSha256;
  p.rsa_key_bits = 2048;
  p.rsa_modulus = Bytes(255, 1);
  auto bad = ParsePublic(MarshalPublic(p));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("keyBits 2048"), std::string::npos);
}

}  // namespace
}  // namespace cocoon::tee::tpm
