// ocicrypt layer-decrypt throughput (Google Benchmark): DecryptingSink (AES-256-CTR + HMAC-SHA256
// over the ciphertext, constant-time check at Finish) against bare AES-256-CTR (OpenSSL EVP via
// crypto::AesCtr) over the same 64 MiB, in one run. Reports bytes/s as MB/s.
#include <benchmark/benchmark.h>

#include "base/encoding.h"
#include "crypto/aes.h"
#include "crypto/random.h"
#include "image/ocicrypt/ocicrypt_stream.h"

namespace {

using namespace cocoon;

constexpr size_t kLayerBytes = 64 << 20;
constexpr size_t kChunk = 256 << 10;  // what a registry download hands on per write

struct Fixture {
  image::LayerKey key;
  std::string hmac_b64;
  Bytes ciphertext;
};

const Fixture& Data() {
  static const Fixture* f = [] {
    auto* out = new Fixture();
    Bytes plain = *crypto::RandomBytes(kLayerBytes);
    struct Collect final : image::Sink {
      Bytes* dst;
      Status Write(std::span<const uint8_t> d) override {
        dst->insert(dst->end(), d.begin(), d.end());
        return Ok();
      }
      Status Finish() override { return Ok(); }
    } collect;
    collect.dst = &out->ciphertext;
    image::EncryptingSink enc(&collect);
    (void)enc.Write(plain);
    (void)enc.Finish();
    out->key = enc.key().Clone();
    out->hmac_b64 = base::Base64Encode(enc.hmac());
    return out;
  }();
  return *f;
}

struct Discard final : image::Sink {
  Status Write(std::span<const uint8_t> d) override {
    benchmark::DoNotOptimize(d.data());
    return Ok();
  }
  Status Finish() override { return Ok(); }
};

void BM_DecryptingSink(benchmark::State& state) {
  const Fixture& f = Data();
  for (auto _ : state) {
    Discard discard;
    image::DecryptingSink dec(f.key, f.hmac_b64, &discard);
    ByteSpan rest(f.ciphertext);
    while (!rest.empty()) {
      size_t n = std::min(rest.size(), kChunk);
      if (!dec.Write(rest.first(n))) state.SkipWithError("write failed");
      rest = rest.subspan(n);
    }
    if (!dec.Finish()) state.SkipWithError("HMAC check failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kLayerBytes));
}

void BM_AesCtrOnly(benchmark::State& state) {
  const Fixture& f = Data();
  Bytes out(kChunk);
  for (auto _ : state) {
    auto ctr = crypto::AesCtr::Create(f.key.symkey.span(), f.key.nonce);
    ByteSpan rest(f.ciphertext);
    while (!rest.empty()) {
      size_t n = std::min(rest.size(), kChunk);
      (void)ctr->Update(rest.first(n), out);
      benchmark::DoNotOptimize(out.data());
      rest = rest.subspan(n);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kLayerBytes));
}

BENCHMARK(BM_AesCtrOnly)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DecryptingSink)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
