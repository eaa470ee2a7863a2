// HttpClient on one reused libcurl easy handle. Responses come from the network and are
// untrusted: their size is capped in the write callback.
#include "net/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <thread>

namespace cocoon::net {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view TrimLine(std::string_view s) {
  while (!s.empty() &&
         (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// TLS answered by a plain-HTTP server: OpenSSL's "wrong version number" (or "packet length too
// long" / "record layer failure" in other versions) inside a handshake failure.
bool PlainHttpAnswer(CURLcode rc, std::string_view detail) {
  return rc == CURLE_SSL_CONNECT_ERROR &&
         (detail.find("wrong version number") != std::string_view::npos ||
          detail.find("packet length too long") != std::string_view::npos ||
          detail.find("record layer failure") != std::string_view::npos);
}

bool CertificateFailure(CURLcode rc) {
  return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
         rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_ISSUER_ERROR ||
         rc == CURLE_SSL_CRL_BADFILE || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH ||
         rc == CURLE_SSL_INVALIDCERTSTATUS;
}

// Failures no retry can fix (a name that does not resolve, a certificate that does not verify,
// TLS spoken to a plain-HTTP port) are FailedPrecondition; timeouts DeadlineExceeded; the rest
// (refused, reset, …) Unavailable.
Code ClassifyTransportFailure(CURLcode rc, std::string_view detail) {
  if (rc == CURLE_OPERATION_TIMEDOUT) return Code::kDeadlineExceeded;
  // curl also reports a reply that is not HTTP ("Received HTTP/0.9") as an unsupported
  // protocol: that is what a pod VM's forward to a service that is down returns, so it is
  // transient; a scheme curl does not speak (file://) is not.
  const bool bad_scheme =
      rc == CURLE_UNSUPPORTED_PROTOCOL && detail.find("HTTP/0.9") == std::string_view::npos;
  if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
      rc == CURLE_URL_MALFORMAT || bad_scheme || CertificateFailure(rc) ||
      PlainHttpAnswer(rc, detail)) {
    return Code::kFailedPrecondition;
  }
  return Code::kUnavailable;
}

std::string_view TransportHint(CURLcode rc, std::string_view detail) {
  if (rc == CURLE_COULDNT_RESOLVE_HOST) return " (the host name does not resolve: check the URL)";
  if (CertificateFailure(rc)) {
    return " (the server's TLS certificate did not verify: trust the CA that issued it, or fix "
           "the certificate)";
  }
  if (PlainHttpAnswer(rc, detail)) return kPlainHttpMarker;
  return "";
}

// Frees a curl_slist on scope exit.
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

}  // namespace

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions o) : options(std::move(o)) {
    GlobalInit();
    curl = curl_easy_init();
    if (curl) Configure();
  }
  ~Impl() {
    if (curl) curl_easy_cleanup(curl);
  }

  void Configure();
  Slist BuildHeaders(const Headers& headers) const;
  void SetMethod(std::string_view method, std::string_view body);
  Error TransportError(CURLcode rc, std::string_view method, std::string_view url) const;
  static size_t OnBody(char* data, size_t size, size_t n, void* user);
  static size_t OnHeader(char* data, size_t size, size_t n, void* user);
  static size_t OnRead(char* data, size_t size, size_t n, void* user);
  Result<ClientResponse> Perform(std::string_view method, std::string_view url,
                                 const Headers& headers, std::string_view body);

  HttpClientOptions options;
  Slist connect_to;  // must outlive the handle's use of it
  CURL* curl = nullptr;
  char error_buf[CURL_ERROR_SIZE] = {};
  ClientResponse response;  // filled by the callbacks during Send
  bool too_large = false;
  const StreamHooks* hooks = nullptr;  // set during Stream
  std::optional<Error> hook_error;     // the first error a hook returned
};

void HttpClient::Impl::Configure() {
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buf);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Impl::OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Impl::OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  if (options.cookies) curl_easy_setopt(curl, CURLOPT_COOKIEFILE, "");
  if (!options.ca_pem.empty()) {
    // curl loads CAINFO and CAPATH in addition to a blob: clear both so only the blob is trusted.
    curl_blob blob{options.ca_pem.data(), options.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
    curl_easy_setopt(curl, CURLOPT_CAINFO, nullptr);
    curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
  } else if (!options.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  }
  for (const std::string& entry : options.connect_to) {
    if (curl_slist* grown = curl_slist_append(connect_to.get(), entry.c_str())) {
      (void)connect_to.release();
      connect_to.reset(grown);
    }
  }
  if (connect_to) curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to.get());
  if (options.insecure_skip_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

Slist HttpClient::Impl::BuildHeaders(const Headers& headers) const {
  // An empty "Expect:" stops curl from waiting for "100 Continue" before large bodies.
  Slist list(curl_slist_append(nullptr, "Expect:"));
  for (const auto& [name, value] : headers.all()) {
    // curl sends "Name;" as a header with an empty value; "Name:" would delete it.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    if (curl_slist* grown = curl_slist_append(list.get(), line.c_str())) {
      (void)list.release();
      list.reset(grown);
    }
  }
  return list;
}

void HttpClient::Impl::SetMethod(std::string_view method, std::string_view body) {
  bool has_body = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  curl_easy_setopt(curl, CURLOPT_NOBODY, method == "HEAD" ? 1L : 0L);
  if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, nullptr);
  } else if (has_body) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    // Never NULL: with NULL postfields curl would read the body from stdin.
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  std::string custom(method);  // curl copies the string
  bool builtin = method == "GET" || method == "HEAD" || (method == "POST" && has_body);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, builtin ? nullptr : custom.c_str());
}

Error HttpClient::Impl::TransportError(CURLcode rc, std::string_view method,
                                       std::string_view url) const {
  std::string what = std::string(method) + " " + std::string(url) + ": ";
  if (too_large) {
    return Error(
        Code::kResourceExhausted,
        what + "response body exceeds " + std::to_string(options.max_response_bytes) + " bytes");
  }
  std::string detail = error_buf[0] != '\0' ? error_buf : curl_easy_strerror(rc);
  Code code = ClassifyTransportFailure(rc, detail);
  return Error(code, what + detail + std::string(TransportHint(rc, detail)));
}

size_t HttpClient::Impl::OnBody(char* data, size_t size, size_t n, void* user) {
  auto* self = static_cast<Impl*>(user);
  size_t bytes = size * n;
  if (self->hooks != nullptr && self->hooks->on_body) {
    long status = 0;
    curl_easy_getinfo(self->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      auto st = self->hooks->on_body({reinterpret_cast<const uint8_t*>(data), bytes});
      if (!st) {
        self->hook_error = st.error();
        return 0;
      }
      return bytes;
    }
  }
  if (self->response.body.size() + bytes > self->options.max_response_bytes) {
    self->too_large = true;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  self->response.body.append(data, bytes);
  return bytes;
}

size_t HttpClient::Impl::OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* self = static_cast<Impl*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    self->response.headers = Headers();  // a new response (after 100 Continue or a redirect)
    return line.size();
  }
  if ((line == "\r\n" || line == "\n") && self->hooks != nullptr && self->hooks->on_headers) {
    long status = 0;
    curl_easy_getinfo(self->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      auto st = self->hooks->on_headers(static_cast<int>(status), self->response.headers);
      if (!st) {
        self->hook_error = st.error();
        return 0;
      }
    }
    return line.size();
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    self->response.headers.Add(TrimLine(line.substr(0, colon)),
                               std::string(TrimLine(line.substr(colon + 1))));
  }
  return line.size();
}

size_t HttpClient::Impl::OnRead(char* data, size_t size, size_t n, void* user) {
  auto* self = static_cast<Impl*>(user);
  auto got = self->hooks->read_body({reinterpret_cast<uint8_t*>(data), size * n});
  if (!got) {
    self->hook_error = got.error();
    return CURL_READFUNC_ABORT;
  }
  return *got;
}

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<ClientResponse> HttpClient::Send(std::string_view method, std::string_view url,
                                        const Headers& headers, std::string_view body) {
  if (!impl_) return FailedPrecondition("http client: used after move");
  impl_->hooks = nullptr;
  return impl_->Perform(method, url, headers, body);
}

Result<ClientResponse> HttpClient::Stream(std::string_view method, std::string_view url,
                                          const Headers& headers, const StreamHooks& hooks) {
  if (!impl_) return FailedPrecondition("http client: used after move");
  impl_->hooks = &hooks;
  auto result = impl_->Perform(method, url, headers, {});
  impl_->hooks = nullptr;
  return result;
}

Result<ClientResponse> HttpClient::Impl::Perform(std::string_view method, std::string_view url,
                                                 const Headers& headers, std::string_view body) {
  if (!curl) return Internal("http client: curl_easy_init failed");
  response = ClientResponse();
  too_large = false;
  hook_error.reset();
  error_buf[0] = '\0';
  std::string url_z(url);
  curl_easy_setopt(curl, CURLOPT_URL, url_z.c_str());
  SetMethod(method, body);
  bool upload = hooks != nullptr && hooks->read_body;
  if (upload) {
    // POST mechanics with a read callback; SetMethod already set CUSTOMREQUEST for PUT/PATCH.
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, nullptr);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &Impl::OnRead);
    curl_easy_setopt(curl, CURLOPT_READDATA, this);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     hooks->body_size ? static_cast<curl_off_t>(*hooks->body_size) : -1);
  }
  Slist header_list = BuildHeaders(headers);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, nullptr);
  if (upload) {
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, nullptr);
    curl_easy_setopt(curl, CURLOPT_READDATA, nullptr);
  }
  if (hook_error) return std::unexpected(*hook_error);
  if (rc != CURLE_OK) return std::unexpected(TransportError(rc, method, url));
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return std::move(response);
}

bool IsTransient(const Result<ClientResponse>& r) {
  if (!r) {
    return r.error().code() == Code::kUnavailable || r.error().code() == Code::kDeadlineExceeded;
  }
  return r->status >= 500 || r->status == 429;
}

bool IsPlainHttpAnswer(const Error& e) {
  return e.code() == Code::kFailedPrecondition &&
         e.message().find(kPlainHttpMarker) != std::string::npos;
}

void HttpClient::ClearCookies() {
  if (impl_ && impl_->curl) curl_easy_setopt(impl_->curl, CURLOPT_COOKIELIST, "ALL");
}

std::chrono::milliseconds RetryPolicy::DelayBefore(int n) const {
  if (n < 2) return std::chrono::milliseconds(0);
  auto delay = first_delay;
  for (int i = 2; i < n && delay < max_delay; ++i) delay *= 2;
  return std::min(delay, max_delay);
}

Result<ClientResponse> Retry(const RetryPolicy& policy,
                             const std::function<Result<ClientResponse>()>& once, int* calls_made) {
  const int attempts = std::max(1, policy.attempts);
  for (int n = 1;; ++n) {
    auto r = once();
    if (!IsTransient(r) || n >= attempts) {
      if (calls_made != nullptr) *calls_made = n;
      return r;
    }
    std::this_thread::sleep_for(policy.DelayBefore(n + 1));
  }
}

}  // namespace cocoon::net
