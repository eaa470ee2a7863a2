// Client for the OCI distribution / Docker Registry v2 HTTP API of one repository: manifests
// and blobs (pull and push), tags. Everything the registry sends is untrusted: manifests and
// blobs are digest-checked, bodies size-capped, redirects bounded.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/limits.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/registry/auth.h"
#include "image/stream.h"

namespace cocoon::net {
class HttpClient;
struct ClientResponse;
struct StreamHooks;
struct RetryPolicy;
class Headers;
}  // namespace cocoon::net

namespace cocoon::image {

struct RegistryOptions {
  // --authfile; empty searches DefaultAuthFiles(). Explicit `credentials` (--creds) win.
  std::string authfile;
  std::optional<Credentials> credentials;
  // false (--tls-verify=false): TLS without verification, and plain HTTP if the HTTPS
  // connection fails, like skopeo. Credentials then may go to an http:// token realm.
  bool tls_verify = true;
  std::string ca_file;  // PEM bundle to trust instead of the system store
  std::string ca_pem;   // the same, in memory (wins over ca_file)
  // net::HttpClientOptions::connect_to: reach the registry through a forwarded address while
  // TLS verifies its real name (the pod VM's registries).
  std::vector<std::string> connect_to;
  int retries = limits::kRegistryRetries;
  std::chrono::milliseconds retry_delay{250};  // first backoff; doubles each retry, ≤ 8 s
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{60'000};  // manifests, tokens, uploads start
  std::chrono::milliseconds blob_timeout{3'600'000};  // one blob transfer
};

// One repository on one registry. Thread-safe: every call uses its own curl handle, and the
// endpoint scheme and auth tokens are shared under a mutex, so FetchBlob may run concurrently.
class RegistryClient {
 public:
  // `ref` names the repository (its tag/digest are ignored). Reads credentials now:
  // errors from a malformed auth file are returned here.
  static Result<std::unique_ptr<RegistryClient>> Create(const Reference& ref,
                                                        RegistryOptions options);
  ~RegistryClient();

  // GET /v2/<name>/manifests/<tag|digest>. The bytes must hash to `reference` if it is a
  // digest and to the Docker-Content-Digest header if present (DataLoss otherwise). NotFound,
  // Unauthenticated, Unavailable (after retries), ResourceExhausted past kManifestMaxBytes.
  Result<RawManifest> GetManifest(std::string_view reference);
  // HEAD of the same: media type, digest (Docker-Content-Digest) and size.
  Result<Descriptor> HeadManifest(std::string_view reference);
  // Streams blob `d` into `sink`, then calls sink.Finish() through a DigestingSink: DataLoss
  // if the content does not match d.digest/d.size, and the sink is never finished on error.
  // Broken transfers are resumed with Range from the byte already delivered; 5xx and
  // connection errors are retried with backoff.
  Status FetchBlob(const Descriptor& d, Sink& sink);
  Result<bool> BlobExists(const Digest& digest);
  // Monolithic upload (POST, then PUT ?digest=) of exactly d.size bytes from `source`;
  // skipped if the registry already has the blob.
  Status PushBlob(const Descriptor& d, Source& source);
  // PUT /v2/<name>/manifests/<tag|digest>; returns the manifest digest (DataLoss if the
  // registry reports another one).
  Result<Digest> PutManifest(ByteSpan bytes, std::string_view media_type,
                             std::string_view reference);
  Result<std::vector<std::string>> ListTags();

  const Reference& reference() const { return ref_; }

 private:
  struct Call;
  RegistryClient(Reference ref, RegistryOptions options, std::optional<Credentials> creds);

  std::unique_ptr<net::HttpClient> NewHttp(bool blob) const;
  Result<std::string> BaseUrl();
  Result<net::ClientResponse> Exchange(net::HttpClient& http, const Call& call);
  Result<net::ClientResponse> FollowRedirects(net::HttpClient& http, const Call& call,
                                              const std::string& auth);
  Result<net::ClientResponse> WithRetries(net::HttpClient& http, const Call& call);
  // options_ as a net::RetryPolicy (1 + retries calls, backing off from retry_delay).
  net::RetryPolicy Retries() const;
  Status Authenticate(const net::ClientResponse& reply, const std::string& scope);
  Result<std::string> FetchToken(const std::map<std::string, std::string>& params,
                                 const std::string& scope);
  std::string CachedAuth(const std::string& scope);
  void Backoff(int attempt) const;
  Result<std::string> Url(std::string_view suffix);

  Reference ref_;
  RegistryOptions options_;
  std::optional<Credentials> creds_;
  std::mutex mu_;
  std::string base_url_;                     // "https://host" once resolved
  std::map<std::string, std::string> auth_;  // scope → Authorization header value
};

}  // namespace cocoon::image
