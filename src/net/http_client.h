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
  std::string ca_pem;   // the same, in memory (wins over ca_file)
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

  // Any HTTP status is a successful Result; transport failures are Unavailable
  // (DeadlineExceeded on timeout, ResourceExhausted if the body exceeds the limit).
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

}  // namespace cocoon::net
