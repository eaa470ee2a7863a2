#include "attestation/service.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "jose/jws.h"
#include "tee/sample/sample.h"
#include "testutil/testdata.h"

namespace cocoon::attestation {
namespace {

Json Vector() { return testutil::TestdataJson("sample/rcar-sample-synthetic-vector.json"); }

class AttestationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { verifiers_.Register("sample", tee::sample::NewVerifier()); }
  tee::VerifierRegistry verifiers_;
};

TEST_F(AttestationServiceTest, RuntimeDataDigestMatchesVector) {
  Json v = Vector();
  Json rd = {{"tee-pubkey", v["attestation"]["runtime-data"]["tee-pubkey"]},
             {"nonce", v["challenge"]["nonce"]},
             {"additional-evidence", ""}};
  auto d = RuntimeDataDigest(rd, crypto::HashAlg::kSha384);
  ASSERT_TRUE(d);
  EXPECT_EQ(base::HexEncode(*d), v["primary_runtime_data_sha384_hex"].get<std::string>());
  auto jcs = RuntimeDataDigest(v["jcs_vector_from_repo_test"]["input"], crypto::HashAlg::kSha384);
  EXPECT_EQ(base::HexEncode(*jcs), v["jcs_vector_from_repo_test"]["sha384_hex"].get<std::string>());
}

TEST_F(AttestationServiceTest, IssuesEarForVectorEvidence) {
  Json v = Vector();
  AttestationService as(&verifiers_, *EarIssuer::Create({}), {});
  EvidenceToVerify e;
  e.tee = "sample";
  e.evidence = v["attestation"]["tee-evidence"]["primary_evidence"];
  e.runtime_data = {{"tee-pubkey", v["attestation"]["runtime-data"]["tee-pubkey"]},
                    {"nonce", v["challenge"]["nonce"]},
                    {"additional-evidence", ""}};
  auto token = as.Attest({e}, crypto::HashAlg::kSha384, 1'800'000'000);
  ASSERT_TRUE(token) << token.error().ToString();
  Json claims = *base::ParseJson(jose::ParseCompact(*token)->payload);
  const Json& ae = claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"];
  EXPECT_EQ(ae["report_data"], e.evidence["report_data"]);
  EXPECT_EQ(ae["runtime_data_claims"], e.runtime_data);
  EXPECT_FALSE(ae["sample"].contains("report_data"));  // hoisted
  EXPECT_EQ(claims["submods"]["cpu0"]["ear.status"], "contraindicated");
}

TEST_F(AttestationServiceTest, InitDataIsDigestedAndReported) {
  Json v = Vector();
  AttestationService as(&verifiers_, *EarIssuer::Create({}), {});
  EvidenceToVerify e;
  e.tee = "sample";
  e.runtime_data = {{"nonce", "n"}};
  Bytes rd = *RuntimeDataDigest(e.runtime_data, crypto::HashAlg::kSha384);
  e.evidence = *tee::sample::NewAttester()->GetEvidence(rd);
  std::string toml =
      "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"aa.toml\" = '''\n[token_configs]\nx "
      "= 1\n'''\n";
  e.init_data = initdata::InitData{"toml", toml};
  auto token = as.Attest({e}, crypto::HashAlg::kSha384, 1'800'000'000);
  ASSERT_TRUE(token) << token.error().ToString();
  Json claims = *base::ParseJson(jose::ParseCompact(*token)->payload);
  const Json& ae = claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"];
  EXPECT_EQ(ae["init_data"], base::Base64Encode(crypto::Sha256(AsBytes(toml))));
  EXPECT_EQ(ae["init_data_claims"]["aa.toml"]["token_configs"]["x"], 1);
  e.init_data = initdata::InitData{"json", "{}"};
  auto bad = as.Attest({e}, crypto::HashAlg::kSha384, 1'800'000'000);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kInvalidArgument);
}

TEST_F(AttestationServiceTest, UnknownTeeAndBadEvidence) {
  AttestationService as(&verifiers_, *EarIssuer::Create({}), {});
  EvidenceToVerify e;
  e.tee = "snp";
  EXPECT_EQ(as.Attest({e}, crypto::HashAlg::kSha384, 0).error().code(), Code::kNotFound);
  e.tee = "sample";
  e.evidence = {{"svn", "1"}, {"report_data", "AAAA"}};
  e.runtime_data = {{"nonce", "x"}};
  EXPECT_EQ(as.Attest({e}, crypto::HashAlg::kSha384, 0).error().code(), Code::kUnauthenticated);
}

}  // namespace
}  // namespace cocoon::attestation
