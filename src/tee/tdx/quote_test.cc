// Quote parser tests: the real v4/v5 quotes, every truncation, limits and unsupported fields.
#include "tee/tdx/quote.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/x509.h"
#include "tee/tdx/pck_extension.h"
#include "testutil/testdata.h"

namespace cocoon::tee::tdx {
namespace {

Bytes Vec(std::string_view rel) { return ToBytes(testutil::ReadTestdata(rel)); }

TEST(TdxQuote, ParsesV4AndV5) {
  Bytes q4 = Vec("tdx/tdx_quote_4.dat");
  auto p4 = ParseQuote(q4);
  ASSERT_TRUE(p4) << p4.error().ToString();
  EXPECT_EQ(p4->header.version, 4);
  EXPECT_EQ(p4->body_size, kTdReport10Size);
  EXPECT_EQ(p4->signed_region.size(), 48u + 584u);
  EXPECT_EQ(base::HexEncode(p4->header.qe_vendor_id), "939a7233f79c4ca9940a0db3957f0607");
  EXPECT_EQ(base::HexEncode(p4->body.tee_tcb_svn), "03000500000000000000000000000000");
  EXPECT_TRUE(p4->body.tee_tcb_svn2.empty());
  EXPECT_EQ(p4->pck_chain_pem, testutil::ReadTestdata("tdx/tdx_quote_4.pck_chain.pem"));

  Bytes q5 = Vec("tdx/tdx_quote_5.dat");
  auto p5 = ParseQuote(q5);
  ASSERT_TRUE(p5) << p5.error().ToString();
  EXPECT_EQ(p5->header.version, 5);
  EXPECT_EQ(p5->body_type, 3);
  EXPECT_EQ(p5->body_size, kTdReport15Size);
  EXPECT_EQ(p5->signed_region.size(), 48u + 6u + 648u);
  EXPECT_EQ(base::HexEncode(p5->body.tee_tcb_svn2).substr(0, 8), "05010200");
  EXPECT_EQ(p5->qe_report.isv_prod_id, 2);
  EXPECT_EQ(p5->pck_chain_pem, testutil::ReadTestdata("tdx/tdx_quote_5.pck_chain.pem"));
}

TEST(TdxQuote, EveryTruncationIsInvalidArgument) {
  for (const char* f : {"tdx/tdx_quote_4.dat", "tdx/tdx_quote_5.dat"}) {
    Bytes q = Vec(f);
    for (size_t n = 0; n < q.size(); n += (n < 1200 ? 1 : 37)) {
      auto r = ParseQuote(ByteSpan(q).first(n));
      ASSERT_FALSE(r) << f << " truncated to " << n;
      EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << r.error().ToString();
      EXPECT_EQ(r.error().message().rfind("TDX quote: ", 0), 0u) << r.error().message();
    }
    Bytes longer = q;
    longer.push_back(0);
    EXPECT_TRUE(ParseQuote(longer));  // zero padding
    longer.push_back(1);
    auto r = ParseQuote(longer);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("trailing"), std::string::npos);
  }
}

TEST(TdxQuote, UnsupportedFieldsNamed) {
  Bytes q = Vec("tdx/tdx_quote_4.dat");
  auto with = [&](size_t off, uint8_t v) {
    Bytes t = q;
    t[off] = v;
    auto r = ParseQuote(t);
    return r ? std::string("ok") : r.error().message();
  };
  EXPECT_EQ(with(0, 3), "TDX quote: header.version 3 unsupported (want 4 or 5)");
  EXPECT_EQ(with(4, 0), "TDX quote: header.tee_type 0 is not TDX (0x81)");
  EXPECT_EQ(with(2, 3), "TDX quote: header.att_key_type 3 unsupported (want 2, ECDSA P-256)");
  EXPECT_EQ(
      with(632 + 4 + 128, 5),
      "TDX quote: certification_data.type 5 unsupported (want 6, QE report certification data)");
  Bytes q5 = Vec("tdx/tdx_quote_5.dat");
  q5[48] = 4;
  EXPECT_EQ(ParseQuote(q5).error().message(), "TDX quote: body.type 4 unsupported (want 2 or 3)");
  q5[48] = 2;  // type 2 with a 648-byte size
  EXPECT_EQ(ParseQuote(q5).error().message(),
            "TDX quote: body.size 648 does not match body.type 2");
}

TEST(TdxQuote, SizeLimit) {
  Bytes big(kQuoteMaxBytes + 1, 0);
  EXPECT_EQ(ParseQuote(big).error().code(), Code::kResourceExhausted);
  Bytes at(kQuoteMaxBytes, 0);
  EXPECT_EQ(ParseQuote(at).error().code(), Code::kInvalidArgument);  // parsed, then wrong
}

TEST(TdxPckExtension, RealCertificates) {
  struct Case {
    const char* chain;
    const char* fmspc;
    bool instance;
  } cases[] = {{"tdx/tdx_quote_4.pck_chain.pem", "50806f000000", true},
               {"tdx/tdx_quote_5.pck_chain.pem", "90c06f000000", true},
               {"tdx/tdx_quote_6.pck_chain.pem", "00a06d080000", true}};
  for (const Case& c : cases) {
    auto certs = crypto::Certificate::ParsePemBundle(testutil::ReadTestdata(c.chain)).value();
    auto ext = ParsePckExtension(*certs[0].ExtensionValue(kSgxExtensionOid));
    ASSERT_TRUE(ext) << ext.error().ToString();
    EXPECT_EQ(base::HexEncode(ext->fmspc), c.fmspc);
    EXPECT_EQ(base::HexEncode(ext->pce_id), "0000");
    EXPECT_EQ(!ext->platform_instance_id.empty(), c.instance);
  }
  auto certs =
      crypto::Certificate::ParsePemBundle(testutil::ReadTestdata("tdx/tdx_quote_4.pck_chain.pem"))
          .value();
  auto ext = ParsePckExtension(*certs[0].ExtensionValue(kSgxExtensionOid)).value();
  EXPECT_EQ(base::HexEncode(ext.platform_instance_id), "021ac64d355ba904e2d5948d228d5482");
  Bytes der = *certs[0].ExtensionValue(kSgxExtensionOid);
  for (size_t n = 0; n < der.size(); ++n) {
    EXPECT_FALSE(ParsePckExtension(ByteSpan(der).first(n))) << n;
  }
}

}  // namespace
}  // namespace cocoon::tee::tdx
