// TDX quote verification throughput (Google Benchmark, one core): full DCAP verification with
// collateral cached (TCB Info / QE Identity / CRL signatures checked once, freshness, CRL
// look-ups, QE identity and TCB level evaluated per quote) and without collateral, against the
// crypto ceiling measured in the same run: the ECDSA P-256 verifications one quote needs — the
// attestation key over header+body, the PCK key over the QE report, the PCK leaf and the PCK CA
// certificate signatures. Quote 6 of testdata/tdx, re-signed under an OpenSSL-made test PKI so
// that complete collateral (incl. a PCK CRL) exists.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "base/encoding.h"
#include "base/json.h"
#include "base/time.h"
#include "crypto/sign.h"
#include "crypto/x509.h"
#include "tee/tdx/pck_extension.h"
#include "tee/tdx/quote.h"
#include "tee/tdx/testing/test_pki.h"
#include "tee/tdx/verify.h"

namespace {

using namespace cocoon;
using namespace cocoon::tee::tdx;

std::string Slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Fixture {
  Bytes quote;
  std::string root_pem, collateral_dir;
  Fixture() {
    std::string td = std::string(COCOON_TESTDATA_DIR) + "/tdx/";
    Bytes real = ToBytes(Slurp(td + "tdx_quote_6.dat"));
    Quote q = ParseQuote(real).value();
    auto certs = crypto::Certificate::ParsePemBundle(q.pck_chain_pem).value();
    std::string ext = base::HexEncode(*certs[0].ExtensionValue(kSgxExtensionOid));
    char tmpl[] = "/tmp/tdx_bench_XXXXXX";
    std::string dir = mkdtemp(tmpl);
    auto pki = testing::MakeTestPki(dir + "/pki", ext);
    root_pem = pki.root_pem;
    quote =
        testing::ResignQuote(real, pki.pck_key_pem, pki.pck_pem + pki.pck_ca_pem + pki.root_pem);
    Json tcb = base::ParseJson(Slurp(td + "tcbInfo.json")).value()["tcbInfo"];
    Json qe = base::ParseJson(Slurp(td + "enclaveIdentity.json")).value()["enclaveIdentity"];
    int64_t now = std::time(nullptr);
    for (Json* j : {&tcb, &qe}) {
      (*j)["issueDate"] = base::FormatRfc3339(now - 86400);
      (*j)["nextUpdate"] = base::FormatRfc3339(now + 20 * 86400);
    }
    tcb["tcbLevels"][0]["tcb"]["pcesvn"] = 11;
    int sgx[8] = {2, 2, 7, 7, 4, 1, 0, 2};
    for (int i = 0; i < 8; ++i) tcb["tcbLevels"][0]["tcb"]["sgxtcbcomponents"][i]["svn"] = sgx[i];
    collateral_dir = dir + "/collateral";
    testing::WriteCollateralDir(pki, collateral_dir, tcb, qe);
  }
};

Fixture& F() {
  static Fixture* f = new Fixture();
  return *f;
}

std::unique_ptr<QuoteVerifier> Make(bool collateral) {
  VerifierOptions o;
  o.roots = crypto::Certificate::ParsePemBundle(F().root_pem).value();
  if (collateral) o.collateral = NewDirectorySource(F().collateral_dir);
  return QuoteVerifier::Create(std::move(o)).value();
}

void Verify(benchmark::State& state, bool collateral) {
  auto v = Make(collateral);
  QuoteInput in;
  in.quote = F().quote;
  auto first = v->Verify(in);  // warms the collateral cache
  if (!first) {
    state.SkipWithError(first.error().ToString().c_str());
    return;
  }
  if (collateral && (*first)["tcb_status"] != "UpToDate") state.SkipWithError("not UpToDate");
  for (auto _ : state) {
    auto r = v->Verify(in);
    if (!r) state.SkipWithError(r.error().ToString().c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_VerifyCollateralCached(benchmark::State& s) { Verify(s, true); }
void BM_VerifyNoCollateral(benchmark::State& s) { Verify(s, false); }

// The four ECDSA P-256 verifications one quote needs, on the same quote and certificates.
void BM_CryptoCeiling(benchmark::State& state) {
  Quote q = ParseQuote(F().quote).value();
  auto certs = crypto::Certificate::ParsePemBundle(q.pck_chain_pem).value();
  auto ak = crypto::PublicKey::FromEc(crypto::KeyType::kEcP256, q.attestation_key.first(32),
                                      q.attestation_key.subspan(32))
                .value();
  auto pck = certs[0].public_key().value();
  auto ca = certs[1].public_key().value();
  auto root = certs[2].public_key().value();
  for (auto _ : state) {
    bool ok =
        crypto::Verify(ak, crypto::SignAlg::kEs256, q.signed_region, q.quote_signature).has_value();
    ok &= crypto::Verify(pck, crypto::SignAlg::kEs256, q.qe_report.raw, q.qe_report_signature)
              .has_value();
    ok &= certs[0].VerifySignedBy(ca).has_value();
    ok &= certs[1].VerifySignedBy(root).has_value();
    if (!ok) state.SkipWithError("ceiling verification failed");
  }
  state.SetItemsProcessed(state.iterations());
}

// Where the time outside the four verifications goes.
void BM_PartParsePemChain(benchmark::State& state) {
  Quote q = ParseQuote(F().quote).value();
  for (auto _ : state)
    benchmark::DoNotOptimize(crypto::Certificate::ParsePemBundle(q.pck_chain_pem));
}
void BM_PartCertPublicKey(benchmark::State& state) {
  Quote q = ParseQuote(F().quote).value();
  auto certs = crypto::Certificate::ParsePemBundle(q.pck_chain_pem).value();
  for (auto _ : state) benchmark::DoNotOptimize(certs[0].public_key());
}
void BM_PartAkFromEc(benchmark::State& state) {
  Quote q = ParseQuote(F().quote).value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::PublicKey::FromEc(
        crypto::KeyType::kEcP256, q.attestation_key.first(32), q.attestation_key.subspan(32)));
  }
}
void BM_PartClaims(benchmark::State& state) {
  Quote q = ParseQuote(F().quote).value();
  for (auto _ : state) benchmark::DoNotOptimize(QuoteClaims(q));
}
BENCHMARK(BM_PartParsePemChain);
BENCHMARK(BM_PartCertPublicKey);
BENCHMARK(BM_PartAkFromEc);
BENCHMARK(BM_PartClaims);

BENCHMARK(BM_CryptoCeiling)->Repetitions(3)->ReportAggregatesOnly(true)->MinTime(1.0);
BENCHMARK(BM_VerifyCollateralCached)->Repetitions(3)->ReportAggregatesOnly(true)->MinTime(1.0);
BENCHMARK(BM_VerifyNoCollateral)->Repetitions(3)->ReportAggregatesOnly(true)->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
