// Collateral parsing on Intel's real TCB Info / QE Identity and Root CA CRL, raw-body extraction
// for the signature, and the PCCS source against a local HTTP server.
#include "tee/tdx/collateral.h"

#include <gtest/gtest.h>

#include <atomic>

#include "base/encoding.h"
#include "crypto/sign.h"
#include "net/http_server.h"
#include "tee/tdx/testing/test_pki.h"
#include "testutil/testdata.h"

namespace cocoon::tee::tdx {
namespace {

std::string Here(std::string_view f) {
  return testing::ReadText(std::string(COCOON_SOURCE_DIR) + "/src/tee/tdx/testdata/" +
                           std::string(f));
}

TEST(TdxCollateralParse, RealTcbInfo) {
  std::string text = testutil::ReadTestdata("tdx/tcbInfo.json");
  auto t = ParseTcbInfo(text);
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->id, "TDX");
  EXPECT_EQ(t->version, 3);
  EXPECT_EQ(base::HexEncode(t->fmspc), "00a06d080000");
  EXPECT_EQ(base::HexEncode(t->pce_id), "0000");
  EXPECT_EQ(base::HexEncode(t->module_attributes_mask), "ffffffffffffffff");
  EXPECT_EQ(t->tcb_evaluation_data_number, 17);
  ASSERT_EQ(t->levels.size(), 2u);
  EXPECT_EQ(t->levels[0].status, "UpToDate");
  EXPECT_EQ(t->levels[0].pcesvn, 13);
  EXPECT_EQ(t->levels[1].status, "OutOfDate");
  ASSERT_EQ(t->module_identities.size(), 2u);
  EXPECT_EQ(t->module_identities[1].id, "TDX_01");
  // The signed body is the exact member text, and Intel's TCB Signing key signed it.
  std::string body = text.substr(text.find(':') + 1);
  body = body.substr(0, body.rfind(",\"signature\""));
  EXPECT_EQ(ToString(t->signed_body), body);
  auto chain = crypto::Certificate::ParsePemBundle(Here("tcb_signing_chain.pem")).value();
  auto key = chain[0].public_key().value();
  EXPECT_TRUE(crypto::Verify(key, crypto::SignAlg::kEs256, t->signed_body, t->signature));
}

TEST(TdxCollateralParse, RealQeIdentity) {
  auto q = ParseQeIdentity(testutil::ReadTestdata("tdx/enclaveIdentity.json"));
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->id, "TD_QE");
  EXPECT_EQ(q->version, 2);
  EXPECT_EQ(q->miscselect, 0u);
  EXPECT_EQ(q->miscselect_mask, 0xFFFFFFFFu);
  EXPECT_EQ(q->isvprodid, 2);
  EXPECT_EQ(base::HexEncode(q->mrsigner),
            "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");
  ASSERT_EQ(q->levels.size(), 1u);
  EXPECT_EQ(q->levels[0].isvsvn, 4);
  auto chain = crypto::Certificate::ParsePemBundle(Here("tcb_signing_chain.pem")).value();
  EXPECT_TRUE(crypto::Verify(chain[0].public_key().value(), crypto::SignAlg::kEs256, q->signed_body,
                             q->signature));
}

TEST(TdxCollateralParse, RealRootCaCrl) {
  auto crl = ParseCrlBytes(Here("root_ca_crl.der"), "root_ca_crl");
  ASSERT_TRUE(crl) << crl.error().ToString();
  auto root = crypto::Certificate::ParsePemBundle(Here("tcb_signing_chain.pem")).value()[1];
  EXPECT_TRUE(crl->VerifySignedBy(root.public_key().value()));
  EXPECT_EQ(crl->Number(), "1");
  // PCCS serves it as hex text: same CRL.
  auto hex = ParseCrlBytes(base::HexEncode(AsBytes(Here("root_ca_crl.der"))) + "\n", "root_ca_crl");
  ASSERT_TRUE(hex);
  EXPECT_EQ(hex->this_update(), crl->this_update());
  EXPECT_FALSE(ParseCrlBytes("zz", "root_ca_crl"));
}

TEST(TdxCollateralParse, MalformedNamed) {
  EXPECT_EQ(ParseTcbInfo("{}").error().message(),
            "TDX: collateral tcb_info: missing field \"tcbInfo\"");
  std::string qe = testutil::ReadTestdata("tdx/enclaveIdentity.json");
  EXPECT_NE(ParseTcbInfo(qe).error().message().find("TDX: collateral tcb_info"), std::string::npos);
  std::string t = testutil::ReadTestdata("tdx/tcbInfo.json");
  for (size_t n = 0; n + 2 < t.size(); n += 7) EXPECT_FALSE(ParseTcbInfo(t.substr(0, n))) << n;
  EXPECT_EQ(RawJsonMember(R"({"a":"x}","b":[1,{"c":2}] ,"d":3})", "b").value(), R"([1,{"c":2}])");
  EXPECT_EQ(RawJsonMember(R"({"a":"x\"}","d":3})", "d").value(), "3");
  EXPECT_FALSE(RawJsonMember(R"({"a":1})", "b"));
}

TEST(TdxCollateralParse, PccsSourceFetchesAndCaches) {
  std::string chain_pem = Here("tcb_signing_chain.pem");
  std::string encoded;
  for (unsigned char c : chain_pem) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_') {
      encoded += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      encoded += buf;
    }
  }
  std::vector<std::string> paths;
  std::mutex mu;
  net::HttpServerOptions so;
  so.access_log = false;
  net::HttpServer server(so, [&](const net::HttpRequest& req) {
    {
      std::lock_guard lock(mu);
      paths.push_back(req.target);
    }
    net::HttpResponse r;
    if (req.path == "/tdx/certification/v4/tcb") {
      r.body = testutil::ReadTestdata("tdx/tcbInfo.json");
      r.headers.Set("TCB-Info-Issuer-Chain", encoded);
    } else if (req.path == "/tdx/certification/v4/qe/identity") {
      r.body = testutil::ReadTestdata("tdx/enclaveIdentity.json");
      r.headers.Set("SGX-Enclave-Identity-Issuer-Chain", encoded);
    } else if (req.path == "/sgx/certification/v4/pckcrl") {
      r.body = Here("root_ca_crl.der");  // any CRL: the source does not judge
      r.headers.Set("SGX-PCK-CRL-Issuer-Chain", encoded);
    } else if (req.path == "/sgx/certification/v4/rootcacrl") {
      r.body = base::HexEncode(AsBytes(Here("root_ca_crl.der")));
    } else {
      r.status = 404;
    }
    return r;
  });
  ASSERT_TRUE(server.Start());
  auto src = NewPccsSource("http://127.0.0.1:" + std::to_string(server.port()) + "/");
  Bytes fmspc = base::HexDecode("00A06D080000").value();
  auto c = src->Fetch(fmspc, PckCa::kPlatform);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ((*c)->tcb_info.id, "TDX");
  EXPECT_EQ((*c)->tcb_info_chain.size(), 2u);
  ASSERT_TRUE((*c)->root_ca_crl);
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(paths.size(), 4u);
    EXPECT_EQ(paths[0], "/tdx/certification/v4/tcb?fmspc=00a06d080000");
    EXPECT_EQ(paths[2], "/sgx/certification/v4/pckcrl?ca=platform&encoding=der");
  }
  // The real collateral's nextUpdate (2025-11) is past, so a second fetch goes to the server
  // again rather than serving stale data.
  ASSERT_TRUE(src->Fetch(fmspc, PckCa::kPlatform));
  std::lock_guard lock(mu);
  EXPECT_EQ(paths.size(), 8u);
  server.Stop();
}

// Issue 11 item 6: a failed collateral download is remembered, so quotes naming it cannot make
// the KBS hammer the PCCS.
TEST(TdxCollateralParse, PccsFailureIsNegativelyCached) {
  std::atomic<int> requests{0};
  net::HttpServerOptions so;
  so.access_log = false;
  net::HttpServer server(so, [&](const net::HttpRequest&) {
    ++requests;
    return net::HttpResponse::Text(503, "PCCS is down");
  });
  ASSERT_TRUE(server.Start());
  auto src = NewPccsSource("http://127.0.0.1:" + std::to_string(server.port()));
  Bytes fmspc = base::HexDecode("00A06D080000").value();
  auto first = src->Fetch(fmspc, PckCa::kPlatform);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code(), Code::kUnavailable) << first.error().ToString();
  for (int i = 0; i < 50; ++i) {
    auto again = src->Fetch(fmspc, PckCa::kPlatform);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code(), Code::kUnavailable);
    EXPECT_NE(again.error().message().find("failed recently, not retried yet"), std::string::npos);
  }
  EXPECT_EQ(requests.load(), 1);
  server.Stop();
}

}  // namespace
}  // namespace cocoon::tee::tdx
