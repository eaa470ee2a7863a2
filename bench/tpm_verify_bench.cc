// TPM quote verification throughput (Google Benchmark): the full check of Trustee's recorded
// evidence JSON (parse, AK trust, RSASSA-SHA256 signature, PCR digest over 24 PCRs, nonce) and
// of an ECDSA P-256 quote, against the crypto ceiling measured in the same run: the one AK
// signature verification each quote needs (crypto::Verify on the same bytes).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/encoding.h"
#include "crypto/sign.h"
#include "tee/tpm/testing/synthetic_quote.h"
#include "tee/tpm/tpm.h"
#include "tee/tpm/tpm_types.h"

namespace {

using namespace cocoon;
using namespace cocoon::tee::tpm;

struct Case {
  Json evidence;
  Evidence parsed;
  VerifierOptions options;
  Expectations expect;
  crypto::PublicKey ak;
  crypto::SignAlg alg;
  Bytes raw_sig;  // the signature as crypto::Verify takes it
};

Case Load(bool ecdsa) {
  if (!ecdsa) {
    std::ifstream f(COCOON_TESTDATA_DIR "/tpm/tpm_evidence.json");
    std::stringstream ss;
    ss << f.rdbuf();
    Json j = *base::ParseJson(ss.str());
    Evidence ev = *ParseEvidence(j);
    crypto::PublicKey ak = *crypto::PublicKey::FromDer(ev.ak_spki);
    VerifierOptions o;
    o.trusted_aks.push_back(ak);
    Expectations x;
    x.nonce = ParseAttest(ev.message)->extra_data;
    Bytes raw = ParseSignature(ev.signature)->rsa_sig;
    return {j, ev, o, x, ak, crypto::SignAlg::kRs256, raw};
  }
  auto key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  Bytes extra(32, 7);  // = report data Bytes(48, 7) truncated to 32
  Evidence ev = internal::MakeEvidence(key, kAlgEcdsa, kAlgSha256, extra, internal::SamplePcrs());
  VerifierOptions o;
  o.trusted_aks.push_back(key.public_key());
  Expectations x;
  x.nonce = extra;
  Signature s = *ParseSignature(ev.signature);
  Bytes raw = s.ecdsa_r;
  raw.insert(raw.end(), s.ecdsa_s.begin(), s.ecdsa_s.end());
  return {EvidenceToJson(ev), ev, o, x, key.public_key(), crypto::SignAlg::kEs256, raw};
}

const Case& Get(bool ecdsa) {
  static const Case* rsa = new Case(Load(false));
  static const Case* ec = new Case(Load(true));
  return ecdsa ? *ec : *rsa;
}

// Full verification from the evidence JSON object, as the KBS runs it (tee::Verifier with a
// trusted AK; report data bound for the ECDSA quote; Trustee's vector has a 64-byte extraData
// that no report data matches, so it runs without report data — the comparison is negligible).
void BM_VerifyQuote(benchmark::State& state) {
  bool ecdsa = state.range(0) != 0;
  const Case& c = Get(ecdsa);
  auto verifier = NewVerifier(c.options);
  Bytes rd;
  if (ecdsa) rd = Bytes(48, 7);
  for (auto _ : state) {
    auto claims = verifier->Evaluate({&c.evidence, rd, std::nullopt});
    if (!claims) state.SkipWithError(claims.error().message().c_str());
    benchmark::DoNotOptimize(claims);
  }
  state.SetItemsProcessed(state.iterations());
}

// The crypto ceiling: only the AK signature verification over the TPMS_ATTEST bytes.
void BM_AkSignatureVerify(benchmark::State& state) {
  const Case& c = Get(state.range(0) != 0);
  for (auto _ : state) {
    auto st = crypto::Verify(c.ak, c.alg, c.parsed.message, c.raw_sig);
    if (!st) state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_VerifyQuote)->Arg(0)->ArgName("ecdsa");
BENCHMARK(BM_AkSignatureVerify)->Arg(0)->ArgName("ecdsa");
BENCHMARK(BM_VerifyQuote)->Arg(1)->ArgName("ecdsa");
BENCHMARK(BM_AkSignatureVerify)->Arg(1)->ArgName("ecdsa");

}  // namespace

BENCHMARK_MAIN();
