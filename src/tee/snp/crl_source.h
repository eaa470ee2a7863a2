// AMD's certificate revocation lists for SEV-SNP: per product, the ARK's CRL of revoked ASKs
// (VCEK signers) and of revoked ASVKs (VLEK signers). Read from an operator's directory
// (offline), or fetched from the KDS (`{base}/{vcek|vlek}/v1/{Product}/crl`) and cached in memory
// and on disk. Trusts nothing: the chain verifier checks that the ARK signed what comes back.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "tee/snp/report.h"
#include "tee/snp/vek.h"

namespace cocoon::tee::snp {

struct CrlOptions {
  std::string base_url;   // KDS; empty = never fetch
  std::string cache_dir;  // fetched CRLs kept as <dir>/crl/<vcek|vlek>_<Product>.crl
  // Offline: <dir>/<Product>.crl (VCEK signers) and <dir>/<Product>_vlek.crl, PEM or DER. When
  // set, nothing is fetched.
  std::string crl_dir;
};

// "https://kdsintf.amd.com/vcek/v1/Milan/crl"
std::string CrlUrl(std::string_view base, Product product, VekKind kind);

class CrlSource {
 public:
  explicit CrlSource(CrlOptions options) : options_(std::move(options)) {}
  // The CRL (DER) for `product`'s `kind` signers, current at `now`: memory, then crl_dir or the
  // disk cache, then the KDS. A fetched CRL is used for limits::kSnpCrlRefreshSeconds; if a
  // refresh fails, the last one is used until its nextUpdate. Unavailable naming the URL when
  // none can be had, FailedPrecondition if neither a KDS nor a crl_dir is configured or the
  // only CRL is past its nextUpdate, InvalidArgument for a file that is not a CRL.
  Result<Bytes> Get(Product product, VekKind kind, int64_t now) const;
  size_t fetches() const;

 private:
  struct Entry {
    Bytes der;
    int64_t loaded_at = 0;
    std::optional<int64_t> next_update;
  };
  Result<Entry> Load(const std::string& name, Product product, VekKind kind, int64_t now) const;
  Result<Entry> Fetch(const std::string& name, Product product, VekKind kind, int64_t now) const;

  CrlOptions options_;
  mutable std::mutex mu_;  // held across a fetch: concurrent callers wait for one request
  mutable std::map<std::string, Entry> memory_;
  mutable size_t fetches_ = 0;
};

}  // namespace cocoon::tee::snp
