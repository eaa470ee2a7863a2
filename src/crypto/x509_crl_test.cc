// CRLs and certificate validity/issuer/serial accessors, on the AMD Milan bundle and VCEK of
// testdata/snp and the synthetic ARK-issued CRLs of src/tee/snp/testdata (gen_synthetic.py).
#include "crypto/crl.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "crypto/testing/test_util.h"

namespace cocoon::crypto {
namespace {

using testing::ReadTestData;

std::string Synthetic(std::string_view name) {
  std::ifstream in(std::string(COCOON_SOURCE_DIR) + "/src/tee/snp/testdata/" + std::string(name),
                   std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(Certificate, ValidityIssuerSerial) {
  auto vcek = Certificate::FromDer(AsBytes(ReadTestData("snp/test-vcek.der")));
  ASSERT_TRUE(vcek);
  EXPECT_EQ(*vcek->NotBefore(), 1674583106);  // 2023-01-24T17:58:26Z
  EXPECT_EQ(*vcek->NotAfter(), 1895507906);   // 2030-01-24T17:58:26Z
  EXPECT_EQ(vcek->IssuerCommonName(), "SEV-Milan");
  EXPECT_FALSE(vcek->SerialNumber().empty());
}

TEST(Crl, ParsesVerifiesAndLooksUp) {
  auto chain = Certificate::ParsePemBundle(Synthetic("turin_chain.pem"));
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), 2u);
  const Certificate& ask = (*chain)[0];
  const Certificate& ark = (*chain)[1];
  auto revoking = Crl::ParsePemBundle(Synthetic("turin_crl_revokes_ask.pem"));
  ASSERT_TRUE(revoking) << revoking.error().ToString();
  ASSERT_EQ(revoking->size(), 1u);
  const Crl& crl = (*revoking)[0];
  EXPECT_NE(crl.Issuer().find("CN=ARK-Turin"), std::string::npos);
  EXPECT_TRUE(crl.VerifySignedBy(*ark.public_key()));
  EXPECT_EQ(crl.VerifySignedBy(*ask.public_key()).error().code(), Code::kUnauthenticated);
  EXPECT_TRUE(crl.IsRevoked(ask));
  EXPECT_FALSE(crl.IsRevoked(ark));
  EXPECT_EQ(crl.this_update(), 1704067200);  // 2024-01-01
  auto der = crl.ToDer();
  ASSERT_TRUE(der);
  auto again = Crl::FromDer(*der);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->IsRevoked(ask));
  auto empty = Crl::ParsePemBundle(Synthetic("turin_crl_empty.pem"));
  ASSERT_TRUE(empty && empty->size() == 1u);
  EXPECT_FALSE((*empty)[0].IsRevoked(ask));
}

TEST(Crl, RejectsMalformed) {
  EXPECT_EQ(Crl::FromDer(Bytes{0x30, 0x01, 0x00}).error().code(), Code::kInvalidArgument);
  auto der = *(*Crl::ParsePemBundle(Synthetic("turin_crl_empty.pem")))[0].ToDer();
  der.push_back(0);
  EXPECT_EQ(Crl::FromDer(der).error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Crl::ParsePemBundle("no crl here")->empty());
  EXPECT_EQ(Crl::ParsePemBundle("-----BEGIN X509 CRL-----\nAAAA\n").error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Crl::ParsePemBundle("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")
                .error()
                .code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::crypto
