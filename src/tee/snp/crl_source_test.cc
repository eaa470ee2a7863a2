// SNP revocation from AMD-style CRLs the verifier gets itself (a local KDS-like HTTP server, the
// disk cache, an offline directory), never from the evidence: the synthetic Turin chain of
// snp/testdata, whose ARK-signed CRL revokes the ASK that signed the VCEK.
#include "tee/snp/crl_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "crypto/crl.h"
#include "net/http_server.h"
#include "tee/snp/testing/test_util.h"
#include "tee/snp/verifier.h"
#include "testutil/temp_dir.h"

namespace cocoon::tee::snp {
namespace {

using testing::Synthetic;

Bytes CrlDer(std::string_view file) {
  auto crl = crypto::Crl::FromPem(ToString(Synthetic(file)));
  return crl ? crl->ToDer().value_or(Bytes()) : Bytes();
}

// Serves /vcek/v1/Turin/crl with whatever `crl` holds (404 while empty).
class FakeKds {
 public:
  FakeKds() {
    net::HttpServerOptions options;
    options.access_log = false;
    server_ = std::make_unique<net::HttpServer>(options, [this](const net::HttpRequest& req) {
      ++requests_;
      std::lock_guard lock(mu_);
      if (req.target != "/vcek/v1/Turin/crl" || crl_.empty()) {
        return net::HttpResponse::Text(404, "no such CRL");
      }
      net::HttpResponse r;
      r.body = ToString(crl_);
      r.headers.Set("Content-Type", "application/pkix-crl");
      return r;
    });
    started_ = server_->Start().has_value();
  }
  void Serve(Bytes crl) {
    std::lock_guard lock(mu_);
    crl_ = std::move(crl);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  bool started() const { return started_; }
  int requests() const { return requests_; }

 private:
  std::mutex mu_;
  Bytes crl_;
  std::unique_ptr<net::HttpServer> server_;
  std::atomic<int> requests_{0};
  bool started_ = false;
};

CrlOptions Crls(std::string base_url, std::string cache_dir = "", std::string crl_dir = "") {
  CrlOptions o;
  o.base_url = std::move(base_url);
  o.cache_dir = std::move(cache_dir);
  o.crl_dir = std::move(crl_dir);
  return o;
}

SnpOptions TurinWithRevocation(CrlOptions crls) {
  SnpOptions o;
  o.trust = ParseChainBundle(ToString(Synthetic("turin_chain.pem"))).value();
  o.revocation = std::move(crls);
  return o;
}

// The synthetic report and VCEK, with no CRL in the input: revocation must come from the KDS.
Result<Json> Verify(const SnpVerifier& v) {
  static const Bytes report = testing::SignSynthetic(testing::SyntheticTurinReport());
  SnpInput in;
  in.report = report;
  in.vek_der = Synthetic("turin_vcek.der");
  in.at_unix = testing::kMid2025;
  return v.Verify(in);
}

void ExpectError(const Result<Json>& r, Code code, std::string_view needle) {
  ASSERT_FALSE(r) << "unexpectedly verified";
  EXPECT_EQ(r.error().code(), code) << r.error().ToString();
  EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
}

TEST(SnpRevocation, CrlUrlShape) {
  EXPECT_EQ(CrlUrl("https://kdsintf.amd.com/", Product::kMilan, VekKind::kVcek),
            "https://kdsintf.amd.com/vcek/v1/Milan/crl");
  EXPECT_EQ(CrlUrl("http://k", Product::kGenoa, VekKind::kVlek), "http://k/vlek/v1/Genoa/crl");
}

TEST(SnpRevocation, RevokedSignerFromKdsIsRefusedWithoutTheClientSendingACrl) {
  FakeKds kds;
  ASSERT_TRUE(kds.started());
  kds.Serve(CrlDer("turin_crl_revokes_ask.pem"));
  SnpVerifier v(TurinWithRevocation(Crls(kds.url())));
  ExpectError(Verify(v), Code::kUnauthenticated, "VCEK chain: ASK revoked by the CRL of ARK-Turin");
  EXPECT_EQ(kds.requests(), 1);
  // Without revocation configured (the offline tools), the same input verifies: the refusal
  // above came from the fetched CRL.
  SnpOptions plain = TurinWithRevocation(Crls(""));
  plain.revocation.reset();
  EXPECT_TRUE(Verify(SnpVerifier(plain)));
}

TEST(SnpRevocation, CurrentCrlIsCachedInMemoryAndOnDisk) {
  FakeKds kds;
  ASSERT_TRUE(kds.started());
  kds.Serve(CrlDer("turin_crl_empty.pem"));
  testutil::TempDir dir;
  {
    SnpVerifier v(TurinWithRevocation(Crls(kds.url(), dir.path().string())));
    auto ok = Verify(v);
    ASSERT_TRUE(ok) << ok.error().ToString();
    ASSERT_TRUE(Verify(v));
    EXPECT_EQ(kds.requests(), 1);  // the second verification used the memory cache
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "crl" / "vcek_Turin.crl"));
  // A new verifier (a restarted KBS) reads the disk cache while the KDS is unreachable.
  kds.Serve({});
  SnpVerifier again(TurinWithRevocation(Crls(kds.url(), dir.path().string())));
  EXPECT_TRUE(Verify(again));
  EXPECT_EQ(kds.requests(), 1);
}

TEST(SnpRevocation, NoCrlAtAllIsRefused) {
  FakeKds kds;
  ASSERT_TRUE(kds.started());
  SnpVerifier v(TurinWithRevocation(Crls(kds.url())));
  ExpectError(Verify(v), Code::kNotFound, "SNP CRL fetch " + kds.url() + "/vcek/v1/Turin/crl");
  SnpVerifier none(TurinWithRevocation(Crls("")));
  ExpectError(Verify(none), Code::kFailedPrecondition, "snp_verifier] kds_url or crl_dir");
  SnpVerifier dead(TurinWithRevocation(Crls("http://127.0.0.1:1")));
  ExpectError(Verify(dead), Code::kUnavailable, "SNP revocation check");
}

TEST(SnpRevocation, OfflineCrlDirectory) {
  testutil::TempDir dir;
  SnpVerifier v(TurinWithRevocation(Crls("http://127.0.0.1:1", "", dir.path().string())));
  ExpectError(Verify(v), Code::kNotFound, "Turin.crl");  // nothing fetched in offline mode
  dir.Write("Turin.crl", ToString(Synthetic("turin_crl_revokes_ask.pem")));
  SnpVerifier revoked(
      TurinWithRevocation(Crls("http://127.0.0.1:1", "", dir.path().string())));
  ExpectError(Verify(revoked), Code::kUnauthenticated, "ASK revoked");
  dir.Write("Turin.crl", ToString(CrlDer("turin_crl_empty.pem")));  // DER works too
  SnpVerifier empty(TurinWithRevocation(Crls("", "", dir.path().string())));
  EXPECT_TRUE(Verify(empty));
  dir.Write("Turin.crl", "not a crl");
  SnpVerifier garbage(TurinWithRevocation(Crls("", "", dir.path().string())));
  ExpectError(Verify(garbage), Code::kInvalidArgument, "is not a CRL");
}

}  // namespace
}  // namespace cocoon::tee::snp
