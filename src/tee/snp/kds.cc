// KDS VCEK fetch and its caches. The disk cache is written atomically (temp file + rename) so a
// concurrent reader never sees half a certificate.
#include "tee/snp/kds.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/encoding.h"
#include "base/file.h"
#include "base/limits.h"
#include "crypto/random.h"
#include "net/http_client.h"
#include "tee/snp/internal/disk_cache.h"

namespace cocoon::tee::snp {
namespace {

std::string HwId(Product product, ByteSpan chip_id) {
  return base::HexEncode(product == Product::kTurin ? chip_id.first(8) : chip_id);
}

std::string Two(uint8_t v) {
  char buf[4];
  std::snprintf(buf, sizeof(buf), "%02u", static_cast<unsigned>(v));
  return buf;
}

}  // namespace

namespace internal {

Status WriteAtomically(const std::filesystem::path& path, ByteSpan data) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Unavailable("cache: cannot create " + path.parent_path().string());
  std::filesystem::path tmp = path;
  ASSIGN_OR_RETURN(Bytes salt, crypto::RandomBytes(6));
  tmp += ".tmp-" + base::HexEncode(salt);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
    if (!out) return Unavailable("cache: cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Unavailable("cache: cannot rename into " + path.string());
  }
  return Ok();
}

}  // namespace internal

std::string VcekUrl(std::string_view base, Product product, ByteSpan chip_id, const Tcb& tcb) {
  std::string url(base);
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/vcek/v1/" + std::string(ProductName(product)) + "/" + HwId(product, chip_id) + "?";
  if (product == Product::kTurin) url += "fmcSPL=" + Two(tcb.fmc.value_or(0)) + "&";
  url += "blSPL=" + Two(tcb.bootloader) + "&teeSPL=" + Two(tcb.tee) + "&snpSPL=" + Two(tcb.snp) +
         "&ucodeSPL=" + Two(tcb.microcode);
  return url;
}

std::string VcekCachePath(Product product, ByteSpan chip_id, const Tcb& tcb) {
  std::string name = "bl" + Two(tcb.bootloader) + "_tee" + Two(tcb.tee) + "_snp" + Two(tcb.snp) +
                     "_ucode" + Two(tcb.microcode);
  if (product == Product::kTurin) name += "_fmc" + Two(tcb.fmc.value_or(0));
  return "vcek/" + HwId(product, chip_id) + "/" + name + "_vcek.der";
}

KdsClient::KdsClient(KdsOptions options)
    : options_(std::move(options)),
      gate_(base::FetchGateOptions{.what = "VCEK fetch",
                                   .max_in_flight = options_.max_in_flight,
                                   .negative_ttl = options_.negative_ttl}) {}

Bytes KdsClient::Remember(const std::string& rel, Bytes der) const {
  std::lock_guard lock(mu_);
  if (memory_.size() >= limits::kSnpVcekCacheEntries) memory_.clear();
  memory_[rel] = der;
  return der;
}

Result<Bytes> KdsClient::GetVcek(Product product, ByteSpan chip_id, const Tcb& tcb) const {
  if (product == Product::kUnknown) {
    return FailedPrecondition("VCEK fetch: unknown AMD product (report version < 3)");
  }
  if (std::all_of(chip_id.begin(), chip_id.end(), [](uint8_t b) { return b == 0; })) {
    return FailedPrecondition("VCEK fetch: chip_id is masked (MASK_CHIP_ID), cannot fetch a VCEK");
  }
  std::string rel = VcekCachePath(product, chip_id, tcb);
  {
    std::lock_guard lock(mu_);
    auto it = memory_.find(rel);
    if (it != memory_.end()) return it->second;
  }
  std::string disk;
  if (!options_.cache_dir.empty()) {
    disk = (std::filesystem::path(options_.cache_dir) / rel).string();
    auto cached = base::ReadFile(disk, "cached VCEK", limits::kSnpCertMaxBytes);
    if (cached) return Remember(rel, ToBytes(*cached));
    if (cached.error().code() != Code::kNotFound) return std::unexpected(cached.error());
  }
  if (options_.base_url.empty()) {
    return FailedPrecondition("no VCEK in the evidence and no KDS URL configured");
  }
  std::string url = VcekUrl(options_.base_url, product, chip_id, tcb);
  // Concurrent callers for one VCEK share one request; its success lands in the memory cache.
  return gate_.Run(rel, [&]() -> Result<Bytes> {
    ASSIGN_OR_RETURN(Bytes der, Fetch(url, disk));
    return Remember(rel, std::move(der));
  });
}

Result<Bytes> KdsClient::Fetch(const std::string& url, const std::string& disk) const {
  net::HttpClientOptions http;
  http.max_response_bytes = limits::kSnpCertMaxBytes;
  http.cookies = false;
  net::HttpClient client(http);
  net::Headers headers;
  headers.Set("Accept", "application/octet-stream");
  auto reply = client.Get(url, headers);
  if (!reply) return Unavailable("VCEK fetch " + url + ": " + reply.error().message());
  if (reply->status != 200) {
    return std::unexpected(net::ErrorFromReply(reply->status, reply->body, "VCEK fetch " + url));
  }
  Bytes der = ToBytes(reply->body);
  if (!disk.empty()) TRY(internal::WriteAtomically(disk, der));
  return der;
}

size_t KdsClient::fetches() const { return gate_.fetches(); }

}  // namespace cocoon::tee::snp
