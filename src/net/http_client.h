// HTTP(S) client on libcurl: one handle per client (reuses connections, keep-alive), an
// in-memory cookie jar, TLS with a custom CA bundle, timeouts. Not thread-safe: use one
// client per thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"
#include "net/http.h"

namespace cocoon::net {

struct HttpClientOptions {
  std::string ca_file;  // PEM bundle to trust instead of the system store
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

  void ClearCookies();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cocoon::net
