// VCEK retrieval from AMD's Key Distribution Service (or a mirror), with an on-disk cache in
// Trustee's OfflineStore layout: <dir>/vcek/<hwid>/bl02_tee00_snp06_ucode21[_fmcNN]_vcek.der.
// What comes back is only a candidate: the caller verifies it against the AMD chain.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "base/fetch_gate.h"
#include "tee/snp/report.h"

namespace cocoon::tee::snp {

inline constexpr char kDefaultKdsUrl[] = "https://kdsintf.amd.com";

struct KdsOptions {
  std::string base_url;   // empty = never fetch
  std::string cache_dir;  // empty = no disk cache
  // Fetches are triggered by unauthenticated evidence, so they are bounded: one per VCEK in
  // flight, at most this many distinct ones at once (more fail at once with ResourceExhausted),
  // and a failed fetch is not retried for `negative_ttl` (AMD rate-limits KDS clients).
  size_t max_in_flight = 4;
  std::chrono::milliseconds negative_ttl{std::chrono::minutes(5)};
};

// `{base}/vcek/v1/{product}/{hwid}?[fmcSPL=NN&]blSPL=NN&teeSPL=NN&snpSPL=NN&ucodeSPL=NN`;
// hwid is the chip_id in hex (first 8 bytes for Turin).
std::string VcekUrl(std::string_view base, Product product, ByteSpan chip_id, const Tcb& tcb);
// "vcek/<hwid>/bl02_tee00_snp06_ucode21[_fmcNN]_vcek.der", relative to the cache dir.
std::string VcekCachePath(Product product, ByteSpan chip_id, const Tcb& tcb);

class KdsClient {
 public:
  explicit KdsClient(KdsOptions options);
  // DER of the VCEK: memory cache, then disk cache, then KDS (stored to both on success).
  // FailedPrecondition if no URL is configured or the chip id is masked; Unavailable/NotFound
  // for KDS failures (the status is in the message; a failure is repeated without a request
  // for negative_ttl); ResourceExhausted if max_in_flight other VCEKs are being fetched.
  Result<Bytes> GetVcek(Product product, ByteSpan chip_id, const Tcb& tcb) const;
  size_t fetches() const;

 private:
  Result<Bytes> Fetch(const std::string& url, const std::string& disk) const;
  Bytes Remember(const std::string& rel, Bytes der) const;

  KdsOptions options_;
  mutable std::mutex mu_;
  mutable std::map<std::string, Bytes> memory_;
  mutable base::FetchGate<Bytes> gate_;
};

}  // namespace cocoon::tee::snp
