// SEV-SNP verification throughput (Google Benchmark) against its crypto ceiling, one run, one
// core. Evidence: the real Genoa evidence JSON of testdata/snp (already parsed, as the KBS has
// it). Compared:
//   warm   — KBS verifier, AMD chain cached: JSON → report bytes, chain cache lookup, ECDSA
//            P-384 report verify, TCB/chip-id/binding checks, claims;
//   cold   — the same with no chain cache: also VCEK parse, ARK self-signature, ARK→ASK and
//            ASK→VCEK RSA-PSS verifies;
//   ceiling_report — the ECDSA P-384 verify of the report alone (pre-parsed key);
//   ceiling_chain  — that plus the three certificate signature verifies (pre-parsed certs).
// Prints warm/ceiling_report and cold/ceiling_chain at the end.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

#include "base/file.h"
#include "base/json.h"
#include "crypto/sign.h"
#include "crypto/x509.h"
#include "tee/snp/evidence.h"
#include "tee/snp/roots.h"
#include "tee/snp/verifier.h"

namespace {

using namespace cocoon;
using namespace cocoon::tee::snp;

struct Fixture {
  Json evidence;
  Evidence parsed;
  crypto::PublicKey vcek_key;
  std::optional<crypto::Certificate> vcek;
  AmdChain roots;
  Bytes signature;
};

const Fixture& Data() {
  static const Fixture* f = [] {
    std::string path = std::string(COCOON_TESTDATA_DIR) + "/snp/evidence-genoa-v3.json";
    auto text = base::ReadFile(path);
    if (!text) {
      std::fprintf(stderr, "%s\n", text.error().ToString().c_str());
      std::exit(1);
    }
    Json ev = *base::ParseJson(*text);
    Evidence parsed = *ParseEvidence(ev);
    auto vcek = *crypto::Certificate::FromDer(parsed.certs[0].data);
    auto* out = new Fixture{ev,
                            parsed,
                            *vcek.public_key(),
                            vcek,
                            *BuiltinRoots(Product::kGenoa),
                            *SignatureRawP384(parsed.report)};
    return out;
  }();
  return *f;
}

std::unique_ptr<tee::Verifier> MakeVerifier(size_t cache) {
  SnpOptions o;
  o.required_vmpl = 0;
  o.chain_cache_size = cache;
  return NewVerifier(o);
}

// The KBS verifier on the evidence; `cache` chain-cache entries (0 = cold every time).
void VerifyLoop(benchmark::State& state, size_t cache) {
  const Fixture& f = Data();
  auto v = MakeVerifier(cache);
  for (auto _ : state) {
    auto claims = v->Evaluate({&f.evidence, {}, std::nullopt});
    if (!claims) state.SkipWithError(claims.error().message().c_str());
    benchmark::DoNotOptimize(claims);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_VerifyWarm(benchmark::State& state) { VerifyLoop(state, 1024); }
void BM_VerifyCold(benchmark::State& state) { VerifyLoop(state, 0); }

void BM_CeilingReport(benchmark::State& state) {
  const Fixture& f = Data();
  ByteSpan signed_part = ByteSpan(f.parsed.report_bytes).first(kSignedSize);
  for (auto _ : state) {
    auto ok = crypto::Verify(f.vcek_key, crypto::SignAlg::kEs384, signed_part, f.signature);
    if (!ok) state.SkipWithError("report signature");
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_CeilingChain(benchmark::State& state) {
  const Fixture& f = Data();
  ByteSpan signed_part = ByteSpan(f.parsed.report_bytes).first(kSignedSize);
  crypto::PublicKey ark_key = *f.roots.ark->public_key();
  crypto::PublicKey ask_key = *f.roots.ask->public_key();
  for (auto _ : state) {
    bool ok =
        f.roots.ark->VerifySignedBy(ark_key).has_value() &&
        f.roots.ask->VerifySignedBy(ark_key).has_value() &&
        f.vcek->VerifySignedBy(ask_key).has_value() &&
        crypto::Verify(f.vcek_key, crypto::SignAlg::kEs384, signed_part, f.signature).has_value();
    if (!ok) state.SkipWithError("chain");
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_VerifyWarm)->MinTime(2.0);
BENCHMARK(BM_CeilingReport)->MinTime(2.0);
BENCHMARK(BM_VerifyCold)->MinTime(2.0);
BENCHMARK(BM_CeilingChain)->MinTime(2.0);

class Collector : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      auto it = r.counters.find("items_per_second");
      if (it != r.counters.end()) rate[r.benchmark_name()] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> rate;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);
  auto get = [&](const char* prefix) {
    for (const auto& [name, v] : collector.rate) {
      if (name.rfind(prefix, 0) == 0) return v;
    }
    return 0.0;
  };
  double warm = get("BM_VerifyWarm"), cold = get("BM_VerifyCold");
  double report = get("BM_CeilingReport"), chain = get("BM_CeilingChain");
  if (report > 0 && chain > 0) {
    std::printf(
        "\nverifications/s: warm %.0f (ceiling %.0f, %.1f%%), cold %.0f (ceiling %.0f, "
        "%.1f%%)\n",
        warm, report, 100 * warm / report, cold, chain, 100 * cold / chain);
  }
  benchmark::Shutdown();
  return 0;
}
