// AMD CRLs for the SNP verifier: offline directory, memory and disk caches, KDS fetch.
#include "tee/snp/crl_source.h"

#include <filesystem>

#include "base/file.h"
#include "base/limits.h"
#include "base/logging.h"
#include "crypto/crl.h"
#include "net/http_client.h"
#include "tee/snp/internal/disk_cache.h"
#include "tee/snp/kds.h"

namespace cocoon::tee::snp {
namespace {

std::string KindPath(VekKind kind) { return kind == VekKind::kVlek ? "vlek" : "vcek"; }

// A CRL file or body → its DER and nextUpdate. InvalidArgument naming `what` if it is not one.
Result<std::pair<Bytes, std::optional<int64_t>>> ParseCrl(ByteSpan bytes, const std::string& what) {
  auto crl = crypto::Crl::FromAny(bytes);
  if (!crl) return InvalidArgument(what + " is not a CRL: " + crl.error().message());
  ASSIGN_OR_RETURN(Bytes der, crl->ToDer());
  return std::make_pair(std::move(der), crl->next_update());
}

bool Expired(const std::optional<int64_t>& next_update, int64_t now) {
  return next_update && now > *next_update;
}

}  // namespace

std::string CrlUrl(std::string_view base, Product product, VekKind kind) {
  std::string url(base);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/" + KindPath(kind) + "/v1/" + std::string(ProductName(product)) + "/crl";
}

Result<CrlSource::Entry> CrlSource::Load(const std::string& name, Product product, VekKind kind,
                                         int64_t now) const {
  const bool offline = !options_.crl_dir.empty();
  std::filesystem::path file;
  if (offline) {
    std::string stem(ProductName(product));
    if (kind == VekKind::kVlek) stem += "_vlek";
    file = std::filesystem::path(options_.crl_dir) / (stem + ".crl");
  } else if (!options_.cache_dir.empty()) {
    file = std::filesystem::path(options_.cache_dir) / "crl" / (name + ".crl");
  }
  if (!file.empty()) {
    auto text = base::ReadFile(file.string(), "SNP CRL", limits::kSnpCrlMaxBytes);
    if (text) {
      ASSIGN_OR_RETURN(auto crl, ParseCrl(AsBytes(*text), "SNP CRL " + file.string()));
      if (!Expired(crl.second, now)) return Entry{std::move(crl.first), now, crl.second};
      if (offline) {
        return FailedPrecondition("SNP CRL " + file.string() +
                                  " is past its nextUpdate: replace it with a current one from " +
                                  CrlUrl(kDefaultKdsUrl, product, kind));
      }
    } else if (offline || text.error().code() != Code::kNotFound) {
      return std::unexpected(text.error());
    }
  }
  return Fetch(name, product, kind, now);
}

Result<CrlSource::Entry> CrlSource::Fetch(const std::string& name, Product product, VekKind kind,
                                          int64_t now) const {
  if (options_.base_url.empty()) {
    return FailedPrecondition(
        "SNP revocation: no CRL for " + std::string(ProductName(product)) +
        ": set [attestation_service.verifier_config.snp_verifier] kds_url or crl_dir");
  }
  std::string url = CrlUrl(options_.base_url, product, kind);
  net::HttpClientOptions http;
  http.max_response_bytes = limits::kSnpCrlMaxBytes;
  http.cookies = false;
  net::HttpClient client(http);
  ++fetches_;
  auto reply = client.Get(url, {});
  if (!reply) return Unavailable("SNP CRL fetch " + url + ": " + reply.error().message());
  if (reply->status != 200) {
    return std::unexpected(net::ErrorFromReply(reply->status, reply->body, "SNP CRL fetch " + url));
  }
  ASSIGN_OR_RETURN(auto crl, ParseCrl(AsBytes(reply->body), "SNP CRL from " + url));
  if (Expired(crl.second, now)) {
    return Unavailable("SNP CRL from " + url + " is past its nextUpdate");
  }
  if (!options_.cache_dir.empty()) {
    auto path = std::filesystem::path(options_.cache_dir) / "crl" / (name + ".crl");
    if (auto st = internal::WriteAtomically(path, crl.first); !st) {
      LOG_WARN("SNP CRL cache: {}", st.error().message());  // the CRL itself is good
    }
  }
  return Entry{std::move(crl.first), now, crl.second};
}

Result<Bytes> CrlSource::Get(Product product, VekKind kind, int64_t now) const {
  if (product == Product::kUnknown) {
    return FailedPrecondition("SNP revocation: unknown AMD product, cannot choose its CRL");
  }
  const std::string name = KindPath(kind) + "_" + std::string(ProductName(product));
  std::lock_guard lock(mu_);
  auto it = memory_.find(name);
  if (it != memory_.end() && now - it->second.loaded_at < limits::kSnpCrlRefreshSeconds &&
      !Expired(it->second.next_update, now)) {
    return it->second.der;
  }
  auto fresh = it == memory_.end() ? Load(name, product, kind, now)
                                   : (options_.crl_dir.empty() ? Fetch(name, product, kind, now)
                                                               : Load(name, product, kind, now));
  if (!fresh) {
    if (it != memory_.end() && !Expired(it->second.next_update, now)) {
      LOG_WARN("{}; using the CRL loaded earlier until its nextUpdate", fresh.error().message());
      return it->second.der;
    }
    return std::unexpected(fresh.error());
  }
  memory_[name] = *fresh;
  return fresh->der;
}

size_t CrlSource::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

}  // namespace cocoon::tee::snp
