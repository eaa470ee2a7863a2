// Guest-side KBS client (the RCAR "kbs_protocol" client of guest-components, specs
// guest-components-and-images.md §2): attests with an Attester and a fresh in-memory TEE key,
// then fetches resources as JWE and decrypts them with that key.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "crypto/keys.h"
#include "crypto/secret_bytes.h"
#include "initdata/initdata.h"
#include "net/http_client.h"
#include "tee/tee.h"

namespace cocoon::guest {

// kbs[+<plugin>]://[host[:port]]/<seg>/…[?query]; host is ignored (the configured KBS is used).
struct ResourceUri {
  std::string plugin = "resource";
  std::string path;   // segments joined by "/"
  std::string query;  // without '?'
};
// InvalidArgument naming the problem for anything else.
Result<ResourceUri> ParseResourceUri(std::string_view uri);

enum class TeeKeyType { kEcP256, kEcP521, kRsa2048 };
// "ec" / "p256" / "p521" / "rsa"; InvalidArgument otherwise.
Result<TeeKeyType> ParseTeeKeyType(std::string_view name);

struct KbsClientOptions {
  std::string url;      // e.g. http://127.0.0.1:8080 (trailing '/' trimmed)
  std::string ca_file;  // extra root CA for HTTPS
  // The only certificate(s) trusted for HTTPS (initdata's kbc.kbs_cert); wins over ca_file.
  std::string ca_pem;
  TeeKeyType key_type = TeeKeyType::kEcP256;
  std::optional<initdata::InitData> init_data;
  int max_resource_attempts = 3;
  // Transient failures reaching the KBS (connection refused/reset, timeouts, 5xx, 429) are
  // tried this often, backing off from retry_delay (doubling); then Unavailable names the URL
  // and the attempts. Other failures (DNS, certificates, plain HTTP, 4xx) are not retried.
  int connect_attempts = 5;
  std::chrono::milliseconds retry_delay{500};
  // A fixed TEE key (test vectors, or a key provisioned elsewhere); default: fresh per client.
  std::optional<crypto::PrivateKey> tee_key;
};

class KbsClient {
 public:
  static Result<std::unique_ptr<KbsClient>> Create(KbsClientOptions options,
                                                   std::unique_ptr<tee::Attester> attester);

  // Runs the RCAR handshake (auth + attest) and returns the attestation token.
  // Unauthenticated with the KBS's detail if the KBS refuses; Unavailable after retrying
  // transient failures; FailedPrecondition at once for DNS, certificate or plain-HTTP failures.
  Result<std::string> Attest();
  // Fetches and decrypts a resource (attesting first if needed, re-attesting on 401).
  // NotFound on 404, PermissionDenied on 403 (policy denial); Unauthenticated with the KBS's
  // detail on repeated 401.
  Result<crypto::SecretBytes> GetResource(std::string_view uri);
  // Same with an explicit Bearer token instead of the session cookie.
  Result<crypto::SecretBytes> GetResourceWithToken(std::string_view uri, std::string_view token);

  const std::string& token() const { return token_; }
  std::string_view tee() const { return attester_->tee(); }
  // True when there is no token or its `exp` has passed: the next GetResource re-attests.
  bool TokenExpired() const;
  const crypto::PrivateKey& tee_key() const { return tee_key_; }

 private:
  KbsClient(KbsClientOptions o, std::unique_ptr<tee::Attester> a, crypto::PrivateKey key,
            net::HttpClient http);
  Result<net::ClientResponse> SendWithRetries(std::string_view method, const std::string& url,
                                              const net::Headers& h, std::string_view body);
  Result<crypto::SecretBytes> FetchOnce(const ResourceUri& uri, std::string_view bearer,
                                        int* status);

  KbsClientOptions options_;
  std::unique_ptr<tee::Attester> attester_;
  crypto::PrivateKey tee_key_;
  net::HttpClient http_;
  std::string token_;
  int64_t token_exp_ = 0;  // the token's `exp` (seconds since the epoch); 0: none
};

}  // namespace cocoon::guest
