// The default policies against real SNP evidence (reports signed by the synthetic Turin VCEK of
// src/tee/snp/testdata, chain trusted as AMD's would be), through the KBS over HTTP: a
// contraindicated appraisal, a debuggable guest and an init-data mismatch are refused by default;
// the same guest with its reference values and no debug gets the secret.
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "kbs/admin_client.h"
#include "kbs/service.h"
#include "net/http_server.h"
#include "tee/snp/evidence.h"
#include "tee/snp/testing/test_util.h"
#include "tee/snp/verifier.h"
#include "tests/rcar_raw.h"

namespace cocoon {
namespace {

namespace snp = tee::snp;

constexpr uint64_t kDebugBit = 1ULL << 19;  // SNP guest policy DEBUG

// Evidence from a guest whose "hardware" is the synthetic Turin chip: the report binds the KBS's
// report data and carries `host_data` and `policy`.
std::function<Result<Json>(ByteSpan)> SyntheticSnp(uint64_t policy, Bytes host_data) {
  return [policy, host_data](ByteSpan report_data) -> Result<Json> {
    snp::Report r = snp::testing::SyntheticTurinReport();
    r.policy.raw = policy;
    std::copy_n(report_data.begin(), std::min<size_t>(report_data.size(), 64),
                r.report_data.begin());
    std::copy_n(host_data.begin(), std::min<size_t>(host_data.size(), 32), r.host_data.begin());
    ASSIGN_OR_RETURN(snp::Report signed_report, snp::ParseReport(snp::testing::SignSynthetic(r)));
    return snp::EvidenceToJson(signed_report,
                               {{"VCEK", snp::testing::Synthetic("turin_vcek.der")}});
  };
}

// cocoon-kbs's wiring (default resource policy, SNP verifier) on a loopback port, with the
// synthetic chain as the AMD trust anchor and an open admin API for the test's setup.
class TrustDefaults : public ::testing::Test {
 protected:
  void SetUp() override {
    snp::SnpOptions o;
    o.trust = snp::ParseChainBundle(ToString(snp::testing::Synthetic("turin_chain.pem"))).value();
    o.required_vmpl = 0;
    verifiers_.Register("snp", snp::NewVerifier(std::move(o)));
    kbs::RegisterBuiltinKvStores(stores_);
    kbs::KbsConfig c;
    c.storage_backend.storage_type = "Memory";
    c.admin.authorization_mode = "InsecureAllowAll";
    c.policy_engine.builtin = "default";
    auto service = kbs::KbsService::Create(c, &verifiers_, stores_);
    ASSERT_TRUE(service) << service.error().ToString();
    service_ = std::move(*service);
    net::HttpServerOptions so;
    so.access_log = false;
    server_ = std::make_unique<net::HttpServer>(
        so, [this](const net::HttpRequest& r) { return service_->Handle(r); });
    ASSERT_TRUE(server_->Start());
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
    kbs::AdminClient admin(AdminOptions());
    ASSERT_TRUE(admin.SetResource("default/key/1", AsBytes("owner's secret")));
  }

  kbs::AdminClientOptions AdminOptions() const {
    kbs::AdminClientOptions o;
    o.url = url_;
    return o;
  }

  // The synthetic guest's TCB and measurement as reference values: hardware 2, executables 3.
  void RegisterReferenceValues() {
    kbs::AdminClient admin(AdminOptions());
    Bytes measurement(48);
    for (size_t i = 0; i < 48; ++i) measurement[i] = static_cast<uint8_t>(i);
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"snp_bootloader", "[2]"},
             {"snp_tee_svn", "[1]"},
             {"snp_snp_svn", "[24]"},
             {"snp_microcode", "[200]"},
             {"snp_launch_measurement", "[\"" + base::HexEncode(measurement) + "\"]"}}) {
      ASSERT_TRUE(admin.SetSampleReferenceValue(name, value)) << name;
    }
  }

  Result<net::ClientResponse> Fetch(uint64_t policy, Bytes host_data = {},
                                    std::optional<initdata::InitData> init = std::nullopt) {
    rcar_test::RawRcarClient client(url_);
    return client.Fetch("snp", "default/key/1", SyntheticSnp(policy, std::move(host_data)),
                        std::move(init));
  }

  tee::VerifierRegistry verifiers_;
  kbs::KvStoreRegistry stores_;
  std::unique_ptr<kbs::KbsService> service_;
  std::unique_ptr<net::HttpServer> server_;
  std::string url_;
};

constexpr uint64_t kPolicy = 0x30000;  // the synthetic report's: SMT allowed, no debug

// A policy denial is 403 PolicyDeny; refused evidence is 401 (the client attests again).
void ExpectRefused(const Result<net::ClientResponse>& r, std::string_view needle,
                   int status = 401) {
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, status) << r->body;
  EXPECT_NE(r->body.find(needle), std::string::npos) << r->body;
}

void ExpectReleased(const Result<net::ClientResponse>& r) {
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200) << r->body;
  // The resource comes as a JWE (JSON serialization) to the client's TEE key.
  auto jwe = base::ParseJson(r->body);
  EXPECT_TRUE(jwe && jwe->contains("ciphertext")) << r->body;
}

// Verified SNP evidence of a TCB nobody registered: hardware "unrecognised" (97), so the EAR is
// contraindicated, and the default policy (which Trustee's would not) refuses it.
TEST_F(TrustDefaults, ContraindicatedAppraisalIsRefused) {
  ExpectRefused(Fetch(kPolicy), "denied by policy", 403);
}

TEST_F(TrustDefaults, RegisteredGuestGetsTheSecretButNotWithDebug) {
  RegisterReferenceValues();
  ExpectReleased(Fetch(kPolicy));
  // The same guest launched with DEBUG allowed: its memory is open to the host.
  ExpectRefused(Fetch(kPolicy | kDebugBit), "denied by policy", 403);
}

TEST_F(TrustDefaults, InitDataMismatchIsRefused) {
  RegisterReferenceValues();
  initdata::InitData init{"toml", "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n"};
  Bytes digest = crypto::Sha384(AsBytes(init.body));
  // HOSTDATA holds the digest of what is sent: released.
  ExpectReleased(Fetch(kPolicy, digest, init));
  // HOSTDATA of other init-data than the one sent.
  initdata::InitData other{"toml", init.body + "# changed\n"};
  ExpectRefused(Fetch(kPolicy, digest, other), "mismatch");
  // Launched with init-data, but the request hides it.
  ExpectRefused(Fetch(kPolicy, digest), "init-data mismatch: the evidence's HOSTDATA is");
}

}  // namespace
}  // namespace cocoon
