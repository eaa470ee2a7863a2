// Transport-neutral HTTP request/response types shared by the server and the client.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace cocoon::net {

// Case-insensitive header map (names are stored lower-case).
class Headers {
 public:
  void Set(std::string_view name, std::string value);
  void Add(std::string_view name, std::string value);  // keeps earlier values (Set-Cookie)
  std::optional<std::string_view> Get(std::string_view name) const;
  std::vector<std::string_view> GetAll(std::string_view name) const;
  const std::multimap<std::string, std::string>& all() const { return map_; }

 private:
  std::multimap<std::string, std::string> map_;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // raw request-target: path + "?" + query
  std::string path;    // NormalizePath(target without query): what routers and ACLs match
  std::string query;   // raw query string, without '?'
  Headers headers;
  std::string body;
  std::string remote;  // "ip:port"

  // Value of cookie `name` from the Cookie header(s), if present.
  std::optional<std::string> Cookie(std::string_view name) const;
  // Token of "Authorization: Bearer <token>", if present.
  std::optional<std::string> BearerToken() const;
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;

  static HttpResponse Json(int status, std::string body);
  static HttpResponse Text(int status, std::string body, std::string content_type = "text/plain");
};

// Splits "a=1&b=2" into a map (percent-decoded). Last value wins.
std::map<std::string, std::string> ParseQuery(std::string_view query);
// Percent-decodes; returns nullopt on malformed escapes.
std::optional<std::string> PercentDecode(std::string_view s);
// The one normalisation of a request path, shared by every router and access check: percent-
// decoded, then empty segments ("//") and "." dropped and ".." removing the segment before it
// (RFC 3986 §5.2.4 after decoding, so "%2e%2e" and "%2F" count too); a trailing '/' is kept.
// nullopt on a malformed escape, a decoded NUL, no leading '/', or ".." above the root.
std::optional<std::string> NormalizePath(std::string_view raw_path);

// "host:port" → host and port; the port is nullopt when absent, empty, not a number or over 65535
// (then the whole input is the host). A bracketed IPv6 host keeps its brackets: "[::1]:80".
std::pair<std::string, std::optional<uint16_t>> SplitHostPort(std::string_view host_port);
// 127.0.0.1, localhost or ::1 (bracketed or not).
bool IsLoopbackHost(std::string_view host);

// An Error for a non-2xx reply: the code follows the status (401 → Unauthenticated, 403 →
// PermissionDenied, 404 → NotFound, 409/412 → FailedPrecondition, 413/429 → ResourceExhausted,
// 501 → Unimplemented, other 5xx → Unavailable, else InvalidArgument) and the
// message carries `what`, the status and the body's RFC 7807 "detail" (or the body's start).
Error ErrorFromReply(int status, std::string_view body, std::string_view what);

}  // namespace cocoon::net
