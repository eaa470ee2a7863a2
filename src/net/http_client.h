// HTTP(S) client on libcurl: one handle per client (reuses connections, keep-alive), an
// in-memory cookie jar, TLS with a custom CA bundle, timeouts. Not thread-safe: use one
// client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "net/http.h"

namespace cocoon::net {

struct HttpClientOptions {
  std::string ca_file;  // PEM bundle to trust instead of the system store
  // PEM certificates to trust, and nothing else (no system store, no ca_file); wins over
  // ca_file. A certificate here is a trust anchor even if it is the server's own leaf.
  std::string ca_pem;
  // "HOST:PORT:CONNECT-HOST:CONNECT-PORT" (curl's CONNECT_TO): requests for HOST:PORT connect
  // to the other address, while TLS still sends and verifies HOST (a forwarded registry).
  std::vector<std::string> connect_to;
  bool insecure_skip_verify = false;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{30000};  // whole request
  size_t max_response_bytes = 64 * 1024 * 1024;
  bool cookies = true;
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// Streaming hooks for Stream(): large bodies (registry blobs) that must not be buffered.
struct StreamHooks {
  // Receives the body of a 2xx response chunk by chunk; an error aborts the transfer and is
  // returned by Stream(). Bodies of other statuses are buffered (capped) in ClientResponse.body.
  std::function<Status(std::span<const uint8_t>)> on_body;
  // Called once per 2xx response when its headers are complete, before on_body; an error
  // aborts the transfer. Lets a caller check Content-Range before any body byte arrives.
  std::function<Status(int status, const Headers& headers)> on_headers;
  // Supplies the request body: fills the buffer, returns the byte count, 0 at the end. An
  // error aborts the transfer and is returned by Stream(). Used only when set.
  std::function<Result<size_t>(std::span<uint8_t>)> read_body;
  std::optional<uint64_t> body_size;  // Content-Length of the streamed request body, if known
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // Any HTTP status is a successful Result; transport failures are Unavailable (refused, reset),
  // DeadlineExceeded on timeout, ResourceExhausted if the body exceeds the limit, and
  // FailedPrecondition when no retry can help (host name does not resolve, certificate does not
  // verify, plain HTTP answered a TLS handshake), each with a hint in the message.
  Result<ClientResponse> Send(std::string_view method, std::string_view url,
                              const Headers& headers = {}, std::string_view body = {});
  Result<ClientResponse> Get(std::string_view url, const Headers& headers = {}) {
    return Send("GET", url, headers);
  }
  Result<ClientResponse> Post(std::string_view url, std::string_view body,
                              const Headers& headers = {}) {
    return Send("POST", url, headers, body);
  }

  // Like Send, but the 2xx response body goes to hooks.on_body (ClientResponse.body stays
  // empty) and the request body, if hooks.read_body is set, is read from it.
  Result<ClientResponse> Stream(std::string_view method, std::string_view url,
                                const Headers& headers, const StreamHooks& hooks);

  void ClearCookies();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True for failures a retry may fix: transport errors that are Unavailable (refused, reset) or
// DeadlineExceeded (timed out), and replies 5xx or 429. A host name that does not resolve, a
// certificate that does not verify, TLS to a plain-HTTP port (all FailedPrecondition) and other
// 4xx are not transient: report them at once.
bool IsTransient(const Result<ClientResponse>& r);

// The one retry loop of the HTTP clients (registry, KBS, token realms): exponential backoff.
struct RetryPolicy {
  int attempts = 1;  // calls in all; values below 1 count as 1
  std::chrono::milliseconds first_delay{250};
  std::chrono::milliseconds max_delay{8000};
  // The pause before call number `n` (n ≥ 2): first_delay · 2^(n−2), at most max_delay.
  std::chrono::milliseconds DelayBefore(int n) const;
};

// Calls `once` until its answer is not IsTransient or policy.attempts calls were made, sleeping
// DelayBefore between them. Returns the last answer; `calls_made`, if given, gets the count.
Result<ClientResponse> Retry(const RetryPolicy& policy,
                             const std::function<Result<ClientResponse>()>& once,
                             int* calls_made = nullptr);

// Appended to the message of the FailedPrecondition an HTTPS request to a plain-HTTP server gets.
inline constexpr std::string_view kPlainHttpMarker = " (the server speaks plain HTTP, not TLS)";
// True if `e` is that error: callers add how to allow plain HTTP in their own terms.
bool IsPlainHttpAnswer(const Error& e);

}  // namespace cocoon::net
