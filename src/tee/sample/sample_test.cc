#include "tee/sample/sample.h"

#include <gtest/gtest.h>


#include "base/encoding.h"
#include "testutil/testdata.h"

namespace cocoon::tee::sample {
namespace {

Json LoadVector() { return testutil::TestdataJson("sample/rcar-sample-synthetic-vector.json"); }

TEST(SampleVerifier, AcceptsTrusteeVectorEvidence) {
  Json v = LoadVector();
  Json ev = v["attestation"]["tee-evidence"]["primary_evidence"];
  Bytes expected = *base::HexDecode(v["primary_runtime_data_sha384_hex"].get<std::string>());
  auto verifier = NewVerifier();
  auto claims = verifier->Evaluate({&ev, expected, std::nullopt});
  ASSERT_TRUE(claims) << claims.error().ToString();
  ASSERT_EQ(claims->size(), 1u);
  EXPECT_EQ((*claims)[0].tee_class, "cpu");
  EXPECT_EQ((*claims)[0].claims["svn"], "1");
  EXPECT_EQ((*claims)[0].claims["launch_digest"], "abcde");
  EXPECT_EQ((*claims)[0].claims["report_data"], ev["report_data"]);
  EXPECT_FALSE((*claims)[0].claims.contains("init_data"));
}

TEST(SampleVerifier, RejectsEvidenceBoundToOtherData) {
  Json v = LoadVector();
  Json ev = v["attestation"]["tee-evidence"]["primary_evidence"];
  Bytes other(48, 0x42);
  auto r = NewVerifier()->Evaluate({&ev, other, std::nullopt});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
}

TEST(SampleVerifier, RejectsMalformedEvidence) {
  Json ev = {{"report_data", "AA=="}};  // no svn
  auto r = NewVerifier()->Evaluate({&ev, {}, std::nullopt});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  Json bad_b64 = {{"svn", "1"}, {"report_data", "not base64!"}};
  EXPECT_EQ(NewVerifier()->Evaluate({&bad_b64, {}, std::nullopt}).error().code(),
            Code::kInvalidArgument);
}

TEST(SampleVerifier, ReportsInitDataDigest) {
  Bytes rd(48, 1);
  auto attester = NewAttester();
  Json ev = *attester->GetEvidence(rd);
  auto r = NewVerifier()->Evaluate({&ev, rd, Bytes{1, 2, 3}});
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].claims["init_data"], "AQID");
}

TEST(Tee, KnownNames) {
  EXPECT_TRUE(IsKnownTee("sample"));
  EXPECT_TRUE(IsKnownTee("az-snp-vtpm"));
  EXPECT_FALSE(IsKnownTee("SNP"));
  EXPECT_FALSE(IsKnownTee("foo"));
}

}  // namespace
}  // namespace cocoon::tee::sample
