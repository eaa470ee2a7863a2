// Lookaside store access (read: file, http, https; write: file) and simple signing.

#include "image/signature/lookaside.h"

#include <time.h>

#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "base/limits.h"
#include "image/signature/gpg.h"
#include "image/signature/signature_payload.h"
#include "net/http_client.h"

namespace cocoon::image {
namespace {

constexpr std::string_view kFileScheme = "file://";

// nullopt when the signature does not exist.
Result<std::optional<Bytes>> FetchOne(const std::string& url, net::HttpClient* http) {
  if (url.starts_with(kFileScheme)) {
    auto text = base::ReadFile(url.substr(kFileScheme.size()), "lookaside signature",
                               limits::kSignatureMaxBytes);
    if (!text && text.error().code() == Code::kNotFound) return std::optional<Bytes>();
    if (!text) return std::unexpected(text.error());
    return std::optional<Bytes>(ToBytes(*text));
  }
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return InvalidArgument("unsupported lookaside URL scheme in " + url);
  }
  ASSIGN_OR_RETURN(net::ClientResponse resp, http->Get(url));
  if (resp.status == 404) return std::optional<Bytes>();
  if (resp.status != 200) {
    return Unavailable("lookaside " + url + " returned HTTP " + std::to_string(resp.status));
  }
  return std::optional<Bytes>(ToBytes(resp.body));
}

std::string FilePath(std::string_view url) { return std::string(url.substr(kFileScheme.size())); }

}  // namespace

Result<std::vector<Bytes>> FetchLookasideSignatures(std::string_view base, const ImageIdentity& id,
                                                    const Digest& manifest_digest) {
  std::unique_ptr<net::HttpClient> http;
  if (!base.starts_with(kFileScheme)) {
    net::HttpClientOptions opts;
    opts.max_response_bytes = limits::kSignatureMaxBytes;
    http = std::make_unique<net::HttpClient>(opts);
  }
  std::vector<Bytes> out;
  for (size_t i = 1;; ++i) {
    std::string url = LookasideSignatureUrl(base, id, manifest_digest, i);
    ASSIGN_OR_RETURN(std::optional<Bytes> sig, FetchOne(url, http.get()));
    if (!sig) break;
    if (out.size() >= limits::kSignaturesPerImageMax) {
      return ResourceExhausted("more than " + std::to_string(limits::kSignaturesPerImageMax) +
                               " lookaside signatures");
    }
    out.push_back(std::move(*sig));
  }
  return out;
}

Result<std::vector<Bytes>> LookasideSignatureProvider::SimpleSignatures(
    const ImageIdentity& id, const Digest& manifest_digest) {
  return FetchLookasideSignatures(config_.LookasideUrl(id), id, manifest_digest);
}

Result<std::vector<CosignSignature>> LookasideSignatureProvider::CosignSignatures(
    const ImageIdentity& id, const Digest& manifest_digest) {
  if (!cosign_) return std::vector<CosignSignature>();
  return cosign_(id, manifest_digest);
}

Result<Bytes> SignSimple(const std::string& fingerprint, const std::string& gnupg_home,
                         std::string_view docker_reference, const Digest& manifest_digest) {
  Bytes payload = BuildSignaturePayload(kAtomicSignatureType, docker_reference,
                                        manifest_digest.String(), ::time(nullptr));
  return GpgSign(fingerprint, gnupg_home, payload);
}

Result<std::string> WriteLookasideSignature(const RegistriesConfig& config, const ImageIdentity& id,
                                            const Digest& manifest_digest, ByteSpan signature) {
  std::string base = config.LookasideStagingUrl(id);
  if (!base.starts_with(kFileScheme)) {
    return Unimplemented("writing signatures to " + base + " (only file:// lookasides)");
  }
  for (size_t i = 1; i <= limits::kSignaturesPerImageMax; ++i) {
    std::filesystem::path path = FilePath(LookasideSignatureUrl(base, id, manifest_digest, i));
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) continue;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return Internal("cannot create " + path.parent_path().string() + ": " + ec.message());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(signature.data()),
              static_cast<std::streamsize>(signature.size()));
    out.close();
    if (!out) return Internal("cannot write " + path.string());
    return path.string();
  }
  return ResourceExhausted("lookaside already holds the maximum number of signatures");
}

}  // namespace cocoon::image
