// Private to the registry client: one logical HTTP call and the URL helpers its .cc files share.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "image/registry/registry_client.h"
#include "net/http.h"
#include "net/http_client.h"

namespace cocoon::image {

struct RegistryClient::Call {
  std::string method{};
  std::string url{};  // absolute
  net::Headers headers{};
  std::string body{};                       // small in-memory bodies (manifests)
  const net::StreamHooks* hooks = nullptr;  // streamed bodies (blobs)
  bool push = false;                        // needs the pull,push scope
};

namespace internal {

// "scheme://authority" of an absolute URL (empty if not absolute).
std::string Origin(std::string_view url);
// Location resolved against the URL it came from (absolute, or absolute-path on the same
// origin). InvalidArgument for other forms or non-HTTP schemes.
Result<std::string> ResolveLocation(std::string_view base, std::string_view location);
std::string PercentEncode(std::string_view s);
// Transient transport errors, 5xx and 429 are worth another attempt (net::IsTransient).
bool IsRetryable(const Result<net::ClientResponse>& r);
// `e` with how to allow a plain-HTTP registry appended, if `e` is TLS answered in plain HTTP.
Error WithPlainHttpHint(const Error& e, std::string_view host);
// "type/subtype" without parameters, lower-case.
std::string BareMediaType(std::string_view content_type);

}  // namespace internal
}  // namespace cocoon::image
