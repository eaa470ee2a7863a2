// RegistryClient blob transfers: streaming GET with digest/size verification, retries and HTTP
// Range resume; HEAD existence checks; monolithic upload. Blob bytes are untrusted until the
// DigestingSink's Finish succeeds.
#include <algorithm>

#include "image/digest.h"
#include "image/registry/internal/registry_call.h"
#include "image/registry/registry_client.h"

namespace cocoon::image {
namespace {

// Start offset of "Content-Range: bytes START-END/TOTAL"; nullopt if malformed.
std::optional<uint64_t> RangeStart(std::string_view value) {
  if (!value.starts_with("bytes ")) return std::nullopt;
  value.remove_prefix(6);
  size_t dash = value.find('-');
  if (dash == 0 || dash == std::string_view::npos) return std::nullopt;
  uint64_t start = 0;
  for (char c : value.substr(0, dash)) {
    if (c < '0' || c > '9' || start > (UINT64_MAX - 9) / 10) return std::nullopt;
    start = start * 10 + static_cast<uint64_t>(c - '0');
  }
  return start;
}

// State of one blob download across attempts: how much the sink already has, and how much of
// the current response to drop because the server ignored our Range.
struct Download {
  DigestingSink digesting;
  uint64_t delivered = 0;
  uint64_t skip = 0;
  bool sink_failed = false;

  Status OnHeaders(int status, const net::Headers& headers) {
    skip = 0;
    if (delivered == 0) return Ok();
    if (status != 206) {  // a full body again: drop what the sink already has
      skip = delivered;
      return Ok();
    }
    auto range = headers.Get("content-range");
    auto start = range ? RangeStart(*range) : std::nullopt;
    if (!start || *start != delivered) {
      return Unavailable("blob resume: server sent range '" + std::string(range.value_or("")) +
                         "', asked for offset " + std::to_string(delivered));
    }
    return Ok();
  }

  Status OnBody(std::span<const uint8_t> data) {
    size_t dropped = static_cast<size_t>(std::min<uint64_t>(skip, data.size()));
    data = data.subspan(dropped);
    skip -= dropped;
    if (data.empty()) return Ok();
    auto st = digesting.Write(data);
    if (!st) {
      sink_failed = true;
      return st;
    }
    delivered += data.size();
    return Ok();
  }
};

}  // namespace

Status RegistryClient::FetchBlob(const Descriptor& d, Sink& sink) {
  const std::string what = "GET blob " + ref_.Repository() + "@" + d.digest.String();
  if (d.size > limits::kLayerMaxBytes) {
    return ResourceExhausted(what + ": size " + std::to_string(d.size) + " exceeds the limit");
  }
  Download dl{.digesting = DigestingSink(d.digest, d.size, &sink)};
  net::StreamHooks hooks;
  hooks.on_headers = [&dl](int status, const net::Headers& h) { return dl.OnHeaders(status, h); };
  hooks.on_body = [&dl](std::span<const uint8_t> data) { return dl.OnBody(data); };
  ASSIGN_OR_RETURN(std::string url, Url("/blobs/" + d.digest.String()));
  auto http = NewHttp(true);
  Error last(Code::kUnavailable, "no attempt made");
  for (int attempt = 0; attempt <= options_.retries; ++attempt) {
    if (attempt > 0) Backoff(attempt - 1);
    Call call{.method = "GET", .url = url, .hooks = &hooks};
    if (dl.delivered > 0) call.headers.Set("Range", "bytes=" + std::to_string(dl.delivered) + "-");
    auto r = Exchange(*http, call);
    if (dl.sink_failed) return std::unexpected(r.error());
    if (r && (r->status == 200 || r->status == 206)) return dl.digesting.Finish();
    if (!internal::IsRetryable(r)) {
      if (!r) return std::unexpected(r.error().WithContext(what));
      return std::unexpected(net::ErrorFromReply(r->status, r->body, what));
    }
    last = r ? net::ErrorFromReply(r->status, r->body, what) : r.error().WithContext(what);
  }
  return std::unexpected(
      last.WithContext("after " + std::to_string(options_.retries + 1) + " attempts"));
}

Result<bool> RegistryClient::BlobExists(const Digest& digest) {
  Call call{.method = "HEAD"};
  ASSIGN_OR_RETURN(call.url, Url("/blobs/" + digest.String()));
  auto http = NewHttp(false);
  ASSIGN_OR_RETURN(net::ClientResponse r, WithRetries(*http, call));
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  return std::unexpected(net::ErrorFromReply(r.status, r.body, "HEAD blob " + digest.String()));
}

Status RegistryClient::PushBlob(const Descriptor& d, Source& source) {
  const std::string what = "push blob " + ref_.Repository() + "@" + d.digest.String();
  ASSIGN_OR_RETURN(bool exists, BlobExists(d.digest));
  if (exists) return Ok();
  auto http = NewHttp(false);
  Call start{.method = "POST", .push = true};
  ASSIGN_OR_RETURN(start.url, Url("/blobs/uploads/"));
  ASSIGN_OR_RETURN(net::ClientResponse r, WithRetries(*http, start));
  if (r.status != 202) return std::unexpected(net::ErrorFromReply(r.status, r.body, what));
  auto location = r.headers.Get("location");
  if (!location) return Unavailable(what + ": upload started without a Location");
  ASSIGN_OR_RETURN(std::string url, internal::ResolveLocation(start.url, *location));
  url += (url.find('?') == std::string::npos ? "?" : "&");
  url += "digest=" + internal::PercentEncode(d.digest.String());

  uint64_t sent = 0;
  net::StreamHooks hooks;
  hooks.body_size = d.size;
  hooks.read_body = [&](std::span<uint8_t> buf) -> Result<size_t> {
    ASSIGN_OR_RETURN(size_t n, source.Read(buf));
    sent += n;
    if (sent > d.size) return InvalidArgument(what + ": source is longer than the descriptor");
    return n;
  };
  // Not retried: the source cannot rewind. A 401 here means the POST's token did not cover it.
  Call put{.method = "PUT", .url = url, .hooks = &hooks, .push = true};
  put.headers.Set("Content-Type", std::string(media::kOctetStream));
  auto blob_http = NewHttp(true);
  ASSIGN_OR_RETURN(net::ClientResponse done, Exchange(*blob_http, put));
  if (done.status != 201) return std::unexpected(net::ErrorFromReply(done.status, done.body, what));
  if (sent != d.size)
    return DataLoss(what + ": source ended after " + std::to_string(sent) + " bytes");
  return Ok();
}

}  // namespace cocoon::image
