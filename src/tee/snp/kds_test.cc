// VCEK retrieval from a KDS (a local Beast server serving the test certificates): URL shape,
// memory and disk caches, failures.
#include "tee/snp/kds.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "net/http_server.h"
#include "tee/snp/evidence.h"
#include "tee/snp/testing/test_util.h"
#include "tee/snp/verifier.h"
#include "testutil/temp_dir.h"

namespace cocoon::tee::snp {
namespace {

using testing::Vector;

class FakeKds {
 public:
  FakeKds() {
    Json ev = testutil::TestdataJson("snp/evidence-genoa-v3.json");
    auto parsed = ParseEvidence(ev);
    if (parsed) report_ = parsed->report;
    net::HttpServerOptions options;
    options.access_log = false;
    server_ = std::make_unique<net::HttpServer>(options, [this](const net::HttpRequest& req) {
      ++requests_;
      last_target_ = req.target;
      std::string want = VcekUrl("", Product::kGenoa, report_.chip_id, report_.Reported());
      if (req.target == want) {
        net::HttpResponse r;
        r.body = testutil::ReadTestdata("snp/evidence-genoa-v3.vcek.der");
        r.headers.Set("Content-Type", "application/x-x509-ca-cert");
        return r;
      }
      return net::HttpResponse::Text(404, "no such VCEK");
    });
    started_ = server_->Start().has_value();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  bool started() const { return started_; }
  int requests() const { return requests_; }
  std::string last_target() const { return last_target_; }
  const Report& report() const { return report_; }

 private:
  Report report_;
  std::unique_ptr<net::HttpServer> server_;
  std::atomic<int> requests_{0};
  std::string last_target_;
  bool started_ = false;
};

SnpOptions WithKds(std::string url, std::string dir, std::optional<uint32_t> vmpl = 0) {
  SnpOptions o;
  o.kds.base_url = std::move(url);
  o.kds.cache_dir = std::move(dir);
  o.required_vmpl = vmpl;
  return o;
}

TEST(SnpKds, UrlAndCachePathShapes) {
  Bytes chip(64);
  for (size_t i = 0; i < 64; ++i) chip[i] = static_cast<uint8_t>(i);
  Tcb tcb{.fmc = std::nullopt, .bootloader = 3, .tee = 0, .snp = 8, .microcode = 115};
  std::string hex64 =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324"
      "25262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
  EXPECT_EQ(VcekUrl("https://kdsintf.amd.com/", Product::kMilan, chip, tcb),
            "https://kdsintf.amd.com/vcek/v1/Milan/" + hex64 +
                "?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115");
  Tcb turin{.fmc = 1, .bootloader = 2, .tee = 0, .snp = 5, .microcode = 9};
  EXPECT_EQ(VcekUrl("http://k", Product::kTurin, chip, turin),
            "http://k/vcek/v1/Turin/0001020304050607?fmcSPL=01&blSPL=02&teeSPL=00&snpSPL=05&"
            "ucodeSPL=09");
  EXPECT_EQ(VcekCachePath(Product::kMilan, chip, tcb),
            "vcek/" + hex64 + "/bl03_tee00_snp08_ucode115_vcek.der");
  EXPECT_EQ(VcekCachePath(Product::kTurin, chip, turin),
            "vcek/0001020304050607/bl02_tee00_snp05_ucode09_fmc01_vcek.der");
}

TEST(SnpKds, EvidenceWithoutVcekIsCompletedFromKds) {
  FakeKds kds;
  ASSERT_TRUE(kds.started());
  testutil::TempDir dir;
  Json ev = testutil::TestdataJson("snp/evidence-genoa-v3.json");
  ev["cert_chain"] = nullptr;
  {
    auto verifier = NewVerifier(WithKds(kds.url(), dir.path().string()));
    auto claims = verifier->Evaluate({&ev, {}, std::nullopt});
    ASSERT_TRUE(claims) << claims.error().ToString();
    EXPECT_EQ((*claims)[0].claims["product"], "Genoa");
    EXPECT_EQ(kds.requests(), 1);
    EXPECT_NE(kds.last_target().find("/vcek/v1/Genoa/371c55d6"), std::string::npos);
    EXPECT_NE(kds.last_target().find("?blSPL=10&teeSPL=00&snpSPL=23&ucodeSPL=25"),
              std::string::npos);
    // Second evidence: memory cache, no request.
    ASSERT_TRUE(verifier->Evaluate({&ev, {}, std::nullopt}));
    EXPECT_EQ(kds.requests(), 1);
  }
  // A new verifier with the same cache directory reads the disk cache.
  std::string cached =
      dir.path().string() + "/" +
      VcekCachePath(Product::kGenoa, kds.report().chip_id, kds.report().Reported());
  EXPECT_TRUE(std::filesystem::exists(cached)) << cached;
  auto verifier2 = NewVerifier(WithKds(kds.url(), dir.path().string()));
  ASSERT_TRUE(verifier2->Evaluate({&ev, {}, std::nullopt}));
  EXPECT_EQ(kds.requests(), 1);
  // A cached file that is not this chip's VCEK is caught by the checks after it.
  std::filesystem::copy_file(std::string(COCOON_TESTDATA_DIR) + "/snp/test-vcek.der", cached,
                             std::filesystem::copy_options::overwrite_existing);
  auto verifier3 = NewVerifier(WithKds(kds.url(), dir.path().string()));
  auto bad = verifier3->Evaluate({&ev, {}, std::nullopt});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kUnauthenticated);
}

TEST(SnpKds, FailuresNameTheCause) {
  FakeKds kds;
  ASSERT_TRUE(kds.started());
  Json ev = testutil::TestdataJson("snp/evidence-genoa-v3.json");
  ev["cert_chain"] = nullptr;
  ev["attestation_report"]["reported_tcb"]["microcode"] = 26;  // KDS has no such VCEK
  auto verifier = NewVerifier(WithKds(kds.url(), ""));
  auto r = verifier->Evaluate({&ev, {}, std::nullopt});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kNotFound) << r.error().ToString();
  EXPECT_NE(r.error().message().find("ucodeSPL=26"), std::string::npos);
  // No KDS configured.
  auto offline = NewVerifier(SnpOptions{});
  auto none = offline->Evaluate({&ev, {}, std::nullopt});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), Code::kFailedPrecondition);
  // Masked chip id cannot be fetched.
  KdsClient client(KdsOptions{kds.url(), ""});
  EXPECT_EQ(client.GetVcek(Product::kGenoa, Bytes(64, 0), Tcb{}).error().code(),
            Code::kFailedPrecondition);
  // Unreachable KDS.
  KdsClient dead(KdsOptions{"http://127.0.0.1:1", ""});
  EXPECT_EQ(dead.GetVcek(Product::kGenoa, Bytes(64, 1), Tcb{}).error().code(), Code::kUnavailable);
}

// A KDS that holds every request until Release(), then answers 404; counts requests.
class HeldKds {
 public:
  HeldKds() {
    net::HttpServerOptions options;
    options.access_log = false;
    options.threads = 16;  // enough for every request the client may have in flight
    server_ = std::make_unique<net::HttpServer>(options, [this](const net::HttpRequest&) {
      std::unique_lock lock(mu_);
      ++requests_;
      cv_.notify_all();
      cv_.wait_for(lock, std::chrono::seconds(20), [&] { return released_; });
      return net::HttpResponse::Text(404, "no such VCEK");
    });
    started_ = server_->Start().has_value();
  }
  ~HeldKds() { Release(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  bool started() const { return started_; }
  int requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  bool WaitForRequests(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return requests_ >= n; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int requests_ = 0;
  bool released_ = false;
  std::unique_ptr<net::HttpServer> server_;
  bool started_ = false;
};

Bytes ChipId(int i) {
  Bytes chip(64, 0x5a);
  chip[0] = static_cast<uint8_t>(i);
  chip[1] = static_cast<uint8_t>(i >> 8);
  return chip;
}

// Issue 11 item 6: a flood of evidence with random chip ids cannot make the KBS send more than
// max_in_flight requests to KDS at once, nor repeat a failed one; the excess fails at once.
TEST(SnpKds, FloodOfChipIdsIsBoundedDeduplicatedAndNegativelyCached) {
  HeldKds kds;
  ASSERT_TRUE(kds.started());
  KdsOptions o{kds.url(), ""};
  o.max_in_flight = 4;
  KdsClient client(o);
  Tcb tcb{.fmc = std::nullopt, .bootloader = 3, .tee = 0, .snp = 8, .microcode = 115};
  std::vector<std::thread> held;
  std::vector<Code> held_codes(4 + 8, Code::kOk);
  for (int i = 0; i < 4; ++i) {
    held.emplace_back([&, i] {
      auto r = client.GetVcek(Product::kMilan, ChipId(i), tcb);
      held_codes[i] = r ? Code::kOk : r.error().code();
    });
  }
  ASSERT_TRUE(kds.WaitForRequests(4));
  // Callers for a VCEK already being fetched share that fetch.
  for (int i = 0; i < 8; ++i) {
    held.emplace_back([&, i] {
      auto r = client.GetVcek(Product::kMilan, ChipId(i % 4), tcb);
      held_codes[4 + i] = r ? Code::kOk : r.error().code();
    });
  }
  // The flood: every other chip id fails at once, naming the limit, without a request.
  for (int i = 100; i < 1100; ++i) {
    auto r = client.GetVcek(Product::kMilan, ChipId(i), tcb);
    ASSERT_FALSE(r);
    ASSERT_EQ(r.error().code(), Code::kResourceExhausted) << r.error().ToString();
    ASSERT_NE(r.error().message().find("4 fetches already in flight (limit max_in_flight)"),
              std::string::npos)
        << r.error().message();
  }
  EXPECT_EQ(kds.requests(), 4);
  kds.Release();
  for (auto& t : held) t.join();
  for (Code c : held_codes) EXPECT_EQ(c, Code::kNotFound);
  EXPECT_EQ(kds.requests(), 4);
  EXPECT_EQ(client.fetches(), 4u);
  // A failure is remembered: asking again sends nothing and says why.
  auto again = client.GetVcek(Product::kMilan, ChipId(0), tcb);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Code::kNotFound);
  EXPECT_NE(again.error().message().find("failed recently, not retried yet"), std::string::npos)
      << again.error().message();
  EXPECT_EQ(kds.requests(), 4);
  // With the slots free, a new chip id is fetched again.
  EXPECT_EQ(client.GetVcek(Product::kMilan, ChipId(100), tcb).error().code(), Code::kNotFound);
  EXPECT_EQ(kds.requests(), 5);
}

}  // namespace
}  // namespace cocoon::tee::snp
