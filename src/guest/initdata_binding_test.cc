// The agent's initdata self-check against evidence in each attester's output format: SNP
// HOSTDATA, TDX MRCONFIGID (a minimal v4 quote), TPM PCR 8 (a TPMS_ATTEST selection), sample.
#include "guest/initdata_binding.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "initdata/initdata.h"
#include "tee/snp/evidence.h"
#include "tee/snp/testing/test_util.h"
#include "tee/tpm/marshal.h"
#include "tee/tpm/tpm.h"
#include "tee/tpm/tpm_types.h"

namespace cocoon::guest {
namespace {

std::string InitData(std::string_view algorithm, std::string_view url) {
  return "version = \"0.1.0\"\nalgorithm = \"" + std::string(algorithm) +
         "\"\n[data]\n\"cdh.toml\" = '''\n[kbc]\nname = \"cc_kbc\"\nurl = \"" + std::string(url) +
         "\"\n'''\n";
}

Bytes Digest(const std::string& toml) { return initdata::DigestInitData({"toml", toml})->digest; }

Json SnpEvidence(ByteSpan host_data) {
  tee::snp::Report r = tee::snp::testing::SyntheticTurinReport();
  std::copy_n(host_data.begin(), std::min(host_data.size(), r.host_data.size()),
              r.host_data.begin());
  return tee::snp::EvidenceToJson(r, {});
}

void PutLe(Bytes& b, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// A v4 TDX quote that parses (header, TD 1.0 body, empty QE certification data); unsigned.
Json TdxEvidence(ByteSpan mr_config_id) {
  Bytes q;
  PutLe(q, 4, 2);     // version
  PutLe(q, 2, 2);     // att_key_type: ECDSA P-256
  PutLe(q, 0x81, 4);  // tee_type: TDX
  q.resize(48, 0);
  Bytes body(584, 0);
  std::copy(mr_config_id.begin(), mr_config_id.end(), body.begin() + 184);
  q.insert(q.end(), body.begin(), body.end());
  Bytes cert(384 + 64, 0);  // QE report, its signature
  PutLe(cert, 0, 2);        // QE auth data size
  PutLe(cert, 5, 2);        // nested: PCK chain
  PutLe(cert, 0, 4);
  Bytes sig(128, 0);  // quote signature, attestation key
  PutLe(sig, 6, 2);
  PutLe(sig, cert.size(), 4);
  sig.insert(sig.end(), cert.begin(), cert.end());
  PutLe(q, sig.size(), 4);
  q.insert(q.end(), sig.begin(), sig.end());
  return {{"quote", base::Base64Encode(q)}, {"cc_eventlog", nullptr}};
}

// TPM evidence quoting SHA-256 PCRs 7, 8 and 9 with `pcr8` as PCR 8 (signature not checked here).
Json TpmEvidence(const Bytes& pcr8) {
  tee::tpm::Attest a;
  a.magic = tee::tpm::kGeneratedValue;
  a.type = tee::tpm::kStAttestQuote;
  a.pcr_select.push_back({tee::tpm::kAlgSha256, {7, 8, 9}});
  a.pcr_digest = Bytes(32, 0);
  tee::tpm::Evidence ev;
  ev.message = tee::tpm::MarshalAttest(a);
  ev.signature = Bytes(4, 0);
  ev.ak_public = base::Base64Encode(Bytes(8, 1));
  ev.pcrs = {Bytes(32, 7), pcr8, Bytes(32, 9)};
  return tee::tpm::EvidenceToJson(ev);
}

Bytes ExtendFromZero(const Bytes& digest) {
  Bytes buf(32, 0);
  buf.insert(buf.end(), digest.begin(), digest.end());
  return crypto::Sha256(buf);
}

void ExpectMismatch(const Result<std::string>& r, const Bytes& digest, std::string_view field) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.error().message().find("initdata digest " + base::HexEncode(digest)),
            std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find(field), std::string::npos) << r.error().message();
}

TEST(InitDataBinding, SnpHostDataMustEqualTheDigest) {
  std::string toml = InitData("sha256", "http://10.0.2.100:8080");
  Bytes d = Digest(toml);
  auto ok = CheckInitDataBinding("snp", SnpEvidence(d), toml);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(*ok, "initdata " + base::HexEncode(d) + " matches the SNP HOSTDATA");
  // The host swapped the initdata (another KBS) after launch: HOSTDATA holds the launched one.
  std::string swapped = InitData("sha256", "http://evil.example:8080");
  auto bad = CheckInitDataBinding("snp", SnpEvidence(d), swapped);
  ExpectMismatch(bad, Digest(swapped), "SNP HOSTDATA " + base::HexEncode(d));
}

TEST(InitDataBinding, SnpSha384DigestIsTruncatedTo32Bytes) {
  std::string toml = InitData("sha384", "http://10.0.2.100:8080");
  Bytes d = Digest(toml);
  ASSERT_EQ(d.size(), 48u);
  EXPECT_TRUE(CheckInitDataBinding("snp", SnpEvidence(ByteSpan(d).first(32)), toml));
}

TEST(InitDataBinding, TdxMrConfigIdMustEqualTheDigest) {
  std::string toml = InitData("sha384", "http://10.0.2.100:8080");
  Bytes d = Digest(toml);
  auto ok = CheckInitDataBinding("tdx", TdxEvidence(d), toml);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_NE(ok->find("TDX MRCONFIGID"), std::string::npos);
  ExpectMismatch(CheckInitDataBinding("tdx", TdxEvidence(Bytes(48, 0)), toml), d,
                 "TDX MRCONFIGID " + std::string(96, '0'));
  // sha256 is zero-padded to 48 bytes.
  std::string t256 = InitData("sha256", "http://10.0.2.100:8080");
  EXPECT_TRUE(CheckInitDataBinding("tdx", TdxEvidence(Digest(t256)), t256));
}

TEST(InitDataBinding, TpmPcr8MustBeTheDigestExtendedOnce) {
  std::string toml = InitData("sha256", "http://10.0.2.100:8080");
  Bytes d = Digest(toml);
  auto ok = CheckInitDataBinding("tpm", TpmEvidence(ExtendFromZero(d)), toml);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_NE(ok->find("TPM PCR 8"), std::string::npos);
  ExpectMismatch(CheckInitDataBinding("tpm", TpmEvidence(Bytes(32, 0)), toml), d, "TPM PCR 8");
  auto sha384 = CheckInitDataBinding("tpm", TpmEvidence(Bytes(32, 0)),
                                     InitData("sha384", "http://10.0.2.100:8080"));
  ASSERT_FALSE(sha384);
  EXPECT_EQ(sha384.error().code(), Code::kInvalidArgument);
}

TEST(InitDataBinding, SampleIsComparedOnlyWhenItCarriesTheField) {
  std::string toml = InitData("sha256", "http://10.0.2.100:8080");
  Bytes d = Digest(toml);
  Json plain = {{"svn", "1"}, {"report_data", ""}};
  auto unchecked = CheckInitDataBinding("sample", plain, toml);
  ASSERT_TRUE(unchecked) << unchecked.error().ToString();
  EXPECT_NE(unchecked->find("not checked"), std::string::npos);
  Json carrying = plain;
  carrying["init_data"] = base::Base64Encode(d);
  EXPECT_TRUE(CheckInitDataBinding("sample", carrying, toml));
  carrying["init_data"] = base::Base64Encode(Bytes(32, 0));
  ExpectMismatch(CheckInitDataBinding("sample", carrying, toml), d, "sample init_data");
}

TEST(InitDataBinding, MalformedInputIsInvalidArgument) {
  std::string toml = InitData("sha256", "http://10.0.2.100:8080");
  EXPECT_EQ(CheckInitDataBinding("snp", Json::object(), toml).error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(CheckInitDataBinding("tdx", Json{{"quote", "AAAA"}}, toml).error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(CheckInitDataBinding("cca", Json::object(), toml).error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(CheckInitDataBinding("snp", SnpEvidence({}), "not toml [").error().code(),
            Code::kInvalidArgument);
}

// The attester's own output, as the agent takes it at start.
class FixedAttester : public tee::Attester {
 public:
  FixedAttester(std::string tee, Json ev) : tee_(std::move(tee)), ev_(std::move(ev)) {}
  std::string_view tee() const override { return tee_; }
  Result<Json> GetEvidence(ByteSpan) override { return ev_; }

 private:
  std::string tee_;
  Json ev_;
};

TEST(InitDataBinding, WithAttesterUsesItsEvidence) {
  std::string toml = InitData("sha256", "http://10.0.2.100:8080");
  FixedAttester good("snp", SnpEvidence(Digest(toml)));
  EXPECT_TRUE(CheckInitDataWithAttester(good, toml));
  FixedAttester other("snp", SnpEvidence(Bytes(32, 0xAA)));
  ExpectMismatch(CheckInitDataWithAttester(other, toml), Digest(toml),
                 "SNP HOSTDATA " + base::HexEncode(Bytes(32, 0xAA)));
}

}  // namespace
}  // namespace cocoon::guest
