// RegistryClient core: endpoint scheme, auth (Bearer token realm flow and Basic), redirects,
// retries, manifests and tags. Registry replies are untrusted; tokens never appear in errors.
#include "image/registry/registry_client.h"

#include <algorithm>
#include <thread>

#include "base/encoding.h"
#include "base/json.h"
#include "image/registry/internal/registry_call.h"

namespace cocoon::image {
namespace {

constexpr int kMaxRedirects = 10;
constexpr int kMaxTagPages = 1000;

bool IsRedirect(int s) { return s == 301 || s == 302 || s == 303 || s == 307 || s == 308; }

std::string Scope(const Reference& ref, bool push) {
  return "repository:" + ref.path + (push ? ":pull,push" : ":pull");
}

Status CheckManifestRef(std::string_view r) {
  if (r.find(':') != std::string_view::npos) {
    auto d = Digest::Parse(r);
    if (!d) return std::unexpected(d.error());
    return Ok();
  }
  auto parsed = ParseReference("x:" + std::string(r));
  if (r.empty() || !parsed) return InvalidArgument("invalid tag '" + std::string(r) + "'");
  return Ok();
}

}  // namespace

namespace internal {

std::string Origin(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  size_t end = url.find_first_of("/?#", scheme + 3);
  return std::string(url.substr(0, end));
}

Result<std::string> ResolveLocation(std::string_view base, std::string_view location) {
  if (location.starts_with("https://") || location.starts_with("http://")) {
    return std::string(location);
  }
  if (location.starts_with("/") && !location.starts_with("//")) {
    return Origin(base) + std::string(location);
  }
  return InvalidArgument("unsupported Location '" + std::string(location.substr(0, 200)) + "'");
}

std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

bool IsRetryable(const Result<net::ClientResponse>& r) { return net::IsTransient(r); }

Error WithPlainHttpHint(const Error& e, std::string_view host) {
  if (!net::IsPlainHttpAnswer(e)) return e;
  return Error(e.code(), e.message() + ": registry " + std::string(host) +
                             " serves plain HTTP; to use it anyway pass --tls-verify=false "
                             "(--src-tls-verify=false / --dest-tls-verify=false for image "
                             "encrypt), or set insecure = true in its "
                             "[[image.registry_config.registry]] entry of the initdata (cocoon "
                             "run --initdata)");
}

std::string BareMediaType(std::string_view ct) {
  std::string t(ct.substr(0, ct.find(';')));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  return t;
}

}  // namespace internal

RegistryClient::RegistryClient(Reference ref, RegistryOptions options,
                               std::optional<Credentials> creds)
    : ref_(std::move(ref)), options_(std::move(options)), creds_(std::move(creds)) {}
RegistryClient::~RegistryClient() = default;

Result<std::unique_ptr<RegistryClient>> RegistryClient::Create(const Reference& ref,
                                                               RegistryOptions options) {
  std::optional<Credentials> creds = options.credentials;
  if (!creds) {
    ASSIGN_OR_RETURN(creds, LookupCredentials(options.authfile, ref));
  }
  return std::unique_ptr<RegistryClient>(
      new RegistryClient(ref, std::move(options), std::move(creds)));
}

std::unique_ptr<net::HttpClient> RegistryClient::NewHttp(bool blob) const {
  net::HttpClientOptions o;
  o.ca_file = options_.ca_file;
  o.ca_pem = options_.ca_pem;
  o.connect_to = options_.connect_to;
  o.insecure_skip_verify = !options_.tls_verify;
  o.connect_timeout = options_.connect_timeout;
  o.timeout = blob ? options_.blob_timeout : options_.request_timeout;
  o.max_response_bytes = limits::kManifestMaxBytes;
  o.cookies = false;
  return std::make_unique<net::HttpClient>(std::move(o));
}

Result<std::string> RegistryClient::BaseUrl() {
  std::lock_guard lock(mu_);
  if (!base_url_.empty()) return base_url_;
  std::string host = ref_.ApiHost();
  if (options_.tls_verify) {
    base_url_ = "https://" + host;
    return base_url_;
  }
  // skopeo --tls-verify=false: HTTPS without verification, plain HTTP if that cannot connect.
  auto http = NewHttp(false);
  auto https = http->Get("https://" + host + "/v2/");
  if (https) {
    base_url_ = "https://" + host;
  } else if (auto plain = http->Get("http://" + host + "/v2/"); plain) {
    base_url_ = "http://" + host;
  } else {
    return Unavailable("registry " + host + " unreachable over https (" + https.error().message() +
                       ") and http (" + plain.error().message() + ")");
  }
  return base_url_;
}

Result<std::string> RegistryClient::Url(std::string_view suffix) {
  ASSIGN_OR_RETURN(std::string base, BaseUrl());
  return base + "/v2/" + ref_.path + std::string(suffix);
}

std::string RegistryClient::CachedAuth(const std::string& scope) {
  std::lock_guard lock(mu_);
  if (auto it = auth_.find(scope); it != auth_.end()) return it->second;
  if (auto it = auth_.find(""); it != auth_.end()) return it->second;  // Basic: every scope
  return {};
}

void RegistryClient::Backoff(int attempt) const {
  std::this_thread::sleep_for(Retries().DelayBefore(attempt + 2));
}

Result<net::ClientResponse> RegistryClient::FollowRedirects(net::HttpClient& http, const Call& call,
                                                            const std::string& auth) {
  std::string url = call.url;
  std::string method = call.method;
  const std::string origin = internal::Origin(url);
  bool send_auth = !auth.empty();
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    net::Headers headers = call.headers;
    if (send_auth) headers.Set("Authorization", auth);
    auto r = call.hooks != nullptr ? http.Stream(method, url, headers, *call.hooks)
                                   : http.Send(method, url, headers, call.body);
    if (!r) return std::unexpected(internal::WithPlainHttpHint(r.error(), ref_.domain));
    if (!IsRedirect(r->status)) return r;
    auto location = r->headers.Get("location");
    if (!location) return r;
    ASSIGN_OR_RETURN(url, internal::ResolveLocation(url, *location));
    // Blob storage on another host must not see the registry's credentials.
    if (internal::Origin(url) != origin) send_auth = false;
    if (r->status == 303) method = "GET";
  }
  return Unavailable(call.method + " " + call.url + ": more than " + std::to_string(kMaxRedirects) +
                     " redirects");
}

Result<net::ClientResponse> RegistryClient::Exchange(net::HttpClient& http, const Call& call) {
  const std::string scope = Scope(ref_, call.push);
  for (int round = 0;; ++round) {
    ASSIGN_OR_RETURN(net::ClientResponse r, FollowRedirects(http, call, CachedAuth(scope)));
    bool streamed_upload = call.hooks != nullptr && call.hooks->read_body;
    if (r.status != 401 || round > 0 || streamed_upload) return r;
    TRY(Authenticate(r, scope));
  }
}

net::RetryPolicy RegistryClient::Retries() const {
  return {.attempts = options_.retries + 1, .first_delay = options_.retry_delay};
}

Result<net::ClientResponse> RegistryClient::WithRetries(net::HttpClient& http, const Call& call) {
  return net::Retry(Retries(), [&] { return Exchange(http, call); });
}

Status RegistryClient::Authenticate(const net::ClientResponse& reply, const std::string& scope) {
  std::vector<Challenge> challenges;
  for (std::string_view v : reply.headers.GetAll("www-authenticate")) {
    ASSIGN_OR_RETURN(auto parsed, ParseWwwAuthenticate(v));
    challenges.insert(challenges.end(), parsed.begin(), parsed.end());
  }
  const std::string who = "registry " + ref_.domain;
  auto bearer = std::find_if(challenges.begin(), challenges.end(),
                             [](const Challenge& c) { return c.scheme == "bearer"; });
  if (bearer != challenges.end()) {
    ASSIGN_OR_RETURN(std::string token, FetchToken(bearer->params, scope));
    std::lock_guard lock(mu_);
    auth_[scope] = "Bearer " + token;
    return Ok();
  }
  auto basic = std::find_if(challenges.begin(), challenges.end(),
                            [](const Challenge& c) { return c.scheme == "basic"; });
  if (basic == challenges.end()) {
    return Unauthenticated(who + " answered 401 without a Bearer or Basic challenge");
  }
  if (!creds_) return Unauthenticated(who + " requires credentials and none are configured");
  std::lock_guard lock(mu_);
  auth_[""] = "Basic " + base::Base64Encode(creds_->username + ":" + creds_->password);
  return Ok();
}

Result<std::string> RegistryClient::FetchToken(const std::map<std::string, std::string>& params,
                                               const std::string& scope) {
  auto realm_it = params.find("realm");
  if (realm_it == params.end()) return Unauthenticated("Bearer challenge without a realm");
  const std::string& realm = realm_it->second;
  bool https = realm.starts_with("https://");
  if (!https && !realm.starts_with("http://")) {
    return Unauthenticated("Bearer realm '" + realm.substr(0, 200) + "' is not an HTTP(S) URL");
  }
  std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
  if (auto s = params.find("service"); s != params.end() && !s->second.empty()) {
    url += "service=" + internal::PercentEncode(s->second) + "&";
  }
  url += "scope=" + internal::PercentEncode(scope);
  net::Headers headers;
  if (creds_) {
    if (!https && options_.tls_verify) {
      return PermissionDenied("refusing to send credentials to the plain-HTTP token realm " +
                              realm + " of a TLS-verified registry");
    }
    headers.Set("Authorization",
                "Basic " + base::Base64Encode(creds_->username + ":" + creds_->password));
  }
  auto http = NewHttp(false);
  Result<net::ClientResponse> r = net::Retry(Retries(), [&] { return http->Get(url, headers); });
  if (!r) return std::unexpected(r.error().WithContext("token realm"));
  if (r->status == 401 || r->status == 403) {
    return Unauthenticated("token realm " + realm + " refused " +
                           (creds_ ? "the credentials" : "anonymous access") + " (HTTP " +
                           std::to_string(r->status) + ")");
  }
  if (r->status != 200) return std::unexpected(net::ErrorFromReply(r->status, r->body, "token"));
  if (r->body.size() > limits::kAuthTokenMaxBytes) return ResourceExhausted("token too large");
  ASSIGN_OR_RETURN(Json j, base::ParseJson(r->body));
  if (!j.is_object()) return Unauthenticated("token realm reply is not a JSON object");
  ASSIGN_OR_RETURN(std::string token, base::GetStringOr(j, "token", ""));
  if (token.empty()) {
    ASSIGN_OR_RETURN(token, base::GetStringOr(j, "access_token", ""));
  }
  if (token.empty()) return Unauthenticated("token realm reply has no token");
  return token;
}

Result<RawManifest> RegistryClient::GetManifest(std::string_view reference) {
  TRY(CheckManifestRef(reference));
  const std::string what = "GET manifest " + ref_.Repository() + ":" + std::string(reference);
  Call call{.method = "GET"};
  ASSIGN_OR_RETURN(call.url, Url("/manifests/" + std::string(reference)));
  call.headers.Set("Accept", std::string(media::kManifestAccept));
  auto http = NewHttp(false);
  ASSIGN_OR_RETURN(net::ClientResponse r, WithRetries(*http, call));
  if (r.status != 200) return std::unexpected(net::ErrorFromReply(r.status, r.body, what));
  RawManifest m;
  m.bytes = ToBytes(r.body);
  if (auto pinned = Digest::Parse(reference); pinned) {
    Digest got = Digest::Of(m.bytes, pinned->algorithm);
    if (got != *pinned) {
      return DataLoss(what + ": content digest " + got.String() + " does not match");
    }
    m.digest = *pinned;
  } else {
    m.digest = Digest::Of(m.bytes);
  }
  if (auto header = r.headers.Get("docker-content-digest"); header) {
    auto claimed = Digest::Parse(*header);
    if (!claimed) return DataLoss(what + ": malformed Docker-Content-Digest");
    if (Digest::Of(m.bytes, claimed->algorithm) != *claimed) {
      return DataLoss(what + ": content does not match Docker-Content-Digest " + claimed->String());
    }
  }
  std::string ct = internal::BareMediaType(r.headers.Get("content-type").value_or(""));
  ASSIGN_OR_RETURN(m.media_type, DetectManifestType(m.bytes, ct));
  return m;
}

Result<Descriptor> RegistryClient::HeadManifest(std::string_view reference) {
  TRY(CheckManifestRef(reference));
  const std::string what = "HEAD manifest " + ref_.Repository() + ":" + std::string(reference);
  Call call{.method = "HEAD"};
  ASSIGN_OR_RETURN(call.url, Url("/manifests/" + std::string(reference)));
  call.headers.Set("Accept", std::string(media::kManifestAccept));
  auto http = NewHttp(false);
  ASSIGN_OR_RETURN(net::ClientResponse r, WithRetries(*http, call));
  if (r.status != 200) return std::unexpected(net::ErrorFromReply(r.status, r.body, what));
  Descriptor d;
  d.media_type = internal::BareMediaType(r.headers.Get("content-type").value_or(""));
  auto digest = r.headers.Get("docker-content-digest");
  if (!digest) return DataLoss(what + ": no Docker-Content-Digest header");
  ASSIGN_OR_RETURN(d.digest, Digest::Parse(*digest));
  auto length = r.headers.Get("content-length");
  if (length) d.size = std::strtoull(std::string(*length).c_str(), nullptr, 10);
  return d;
}

Result<Digest> RegistryClient::PutManifest(ByteSpan bytes, std::string_view media_type,
                                           std::string_view reference) {
  TRY(CheckManifestRef(reference));
  const std::string what = "PUT manifest " + ref_.Repository() + ":" + std::string(reference);
  Digest digest = Digest::Of(bytes);
  Call call{.method = "PUT", .body = ToString(bytes), .push = true};
  ASSIGN_OR_RETURN(call.url, Url("/manifests/" + std::string(reference)));
  call.headers.Set("Content-Type", std::string(media_type));
  auto http = NewHttp(false);
  ASSIGN_OR_RETURN(net::ClientResponse r, WithRetries(*http, call));
  if (r.status != 201 && r.status != 200) {
    return std::unexpected(net::ErrorFromReply(r.status, r.body, what));
  }
  if (auto header = r.headers.Get("docker-content-digest"); header && *header != digest.String()) {
    return DataLoss(what + ": registry stored " + std::string(*header) + ", we sent " +
                    digest.String());
  }
  return digest;
}

Result<std::vector<std::string>> RegistryClient::ListTags() {
  std::vector<std::string> tags;
  ASSIGN_OR_RETURN(std::string url, Url("/tags/list"));
  auto http = NewHttp(false);
  for (int page = 0; page < kMaxTagPages && !url.empty(); ++page) {
    Call call{.method = "GET", .url = url};
    ASSIGN_OR_RETURN(net::ClientResponse r, WithRetries(*http, call));
    if (r.status != 200) {
      return std::unexpected(net::ErrorFromReply(r.status, r.body, "list tags of " + ref_.path));
    }
    ASSIGN_OR_RETURN(Json j, base::ParseJson(r.body));
    if (!j.is_object()) return InvalidArgument("tag list: not a JSON object");
    ASSIGN_OR_RETURN(const Json* list, base::FindField(j, "tags"));
    if (list != nullptr && list->is_array()) {
      for (const Json& t : *list) {
        if (t.is_string()) tags.push_back(t.get<std::string>());
      }
    }
    // Link: </v2/name/tags/list?last=x&n=y>; rel="next"
    url.clear();
    if (auto link = r.headers.Get("link");
        link && link->find("rel=\"next\"") != std::string::npos) {
      size_t lt = link->find('<'), gt = link->find('>');
      if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt) {
        ASSIGN_OR_RETURN(url,
                         internal::ResolveLocation(call.url, link->substr(lt + 1, gt - lt - 1)));
        if (internal::Origin(url) != internal::Origin(call.url)) url.clear();  // stay on host
      }
    }
  }
  return tags;
}

}  // namespace cocoon::image
