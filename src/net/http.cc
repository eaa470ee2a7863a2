// HTTP value types: case-insensitive headers, cookie and bearer-token extraction, query and
// percent decoding. Inputs are untrusted request bytes; nothing here throws on bad input.
#include "net/http.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "base/json.h"

namespace cocoon::net {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Looks up `name` in one Cookie header value ("a=b; c=d").
std::optional<std::string> FindCookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = Trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || Trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = Trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);  // RFC 6265 allows a quoted cookie-value
    }
    return std::string(value);
  }
  return std::nullopt;
}

}  // namespace

void Headers::Set(std::string_view name, std::string value) {
  std::string key = Lower(name);
  map_.erase(key);
  map_.emplace(std::move(key), std::move(value));
}

void Headers::Add(std::string_view name, std::string value) {
  map_.emplace(Lower(name), std::move(value));
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  auto it = map_.find(Lower(name));
  if (it == map_.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::vector<std::string_view> Headers::GetAll(std::string_view name) const {
  std::vector<std::string_view> out;
  auto [begin, end] = map_.equal_range(Lower(name));
  for (auto it = begin; it != end; ++it) out.emplace_back(it->second);
  return out;
}

std::optional<std::string> HttpRequest::Cookie(std::string_view name) const {
  for (std::string_view header : headers.GetAll("cookie")) {
    if (auto value = FindCookie(header, name)) return value;
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::BearerToken() const {
  constexpr std::string_view kScheme = "bearer ";
  auto auth = headers.Get("authorization");
  if (!auth || auth->size() <= kScheme.size() ||
      !IEquals(auth->substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  std::string_view token = Trim(auth->substr(kScheme.size()));
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  return Text(status, std::move(body), "application/json");
}

HttpResponse HttpResponse::Text(int status, std::string body, std::string content_type) {
  HttpResponse response;
  response.status = status;
  response.headers.Set("content-type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;  // needs two hex digits
    int hi = HexValue(s[i + 1]);
    int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::optional<std::string> NormalizePath(std::string_view raw_path) {
  std::optional<std::string> decoded = PercentDecode(raw_path);
  if (!decoded || decoded->empty() || decoded->front() != '/') return std::nullopt;
  if (decoded->find('\0') != std::string::npos) return std::nullopt;
  std::vector<std::string_view> segments;
  std::string_view rest(*decoded);
  bool trailing_slash = false;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    trailing_slash = slash != std::string_view::npos && rest.empty();
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (segments.empty()) return std::nullopt;
      segments.pop_back();
      continue;
    }
    segments.push_back(seg);
  }
  std::string out;
  for (std::string_view seg : segments) (out += '/') += seg;
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string pair(query.substr(0, amp));
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::replace(pair.begin(), pair.end(), '+', ' ');  // form encoding: '+' is a space
    size_t eq = pair.find('=');
    auto key = PercentDecode(std::string_view(pair).substr(0, eq));
    auto value = eq == std::string::npos ? std::optional<std::string>("")
                                         : PercentDecode(std::string_view(pair).substr(eq + 1));
    if (!key || !value || key->empty()) continue;  // malformed pairs are dropped
    out[std::move(*key)] = std::move(*value);
  }
  return out;
}

Error ErrorFromReply(int status, std::string_view body, std::string_view what) {
  std::string detail(body.substr(0, 512));
  if (auto j = base::ParseJson(body);
      j && j->is_object() && j->contains("detail") && (*j)["detail"].is_string()) {
    detail = (*j)["detail"].get<std::string>();
  }
  Code code = status == 404                    ? Code::kNotFound
              : status == 401                  ? Code::kUnauthenticated
              : status == 403                  ? Code::kPermissionDenied
              : status == 409 || status == 412 ? Code::kFailedPrecondition
              : status == 413 || status == 429 ? Code::kResourceExhausted
              : status == 501                  ? Code::kUnimplemented
              : status >= 500                  ? Code::kUnavailable
                                               : Code::kInvalidArgument;
  return Error(code,
               std::string(what) + ": server answered " + std::to_string(status) + ": " + detail);
}

std::pair<std::string, std::optional<uint16_t>> SplitHostPort(std::string_view hp) {
  auto colon = hp.rfind(':');
  if (colon == std::string_view::npos || hp.find(']', colon) != std::string_view::npos ||
      colon + 1 == hp.size()) {
    return {std::string(colon + 1 == hp.size() ? hp.substr(0, colon) : hp), std::nullopt};
  }
  uint32_t port = 0;
  for (char c : hp.substr(colon + 1)) {
    if (c < '0' || c > '9' || (port = port * 10 + static_cast<uint32_t>(c - '0')) > 65535) {
      return {std::string(hp), std::nullopt};
    }
  }
  return {std::string(hp.substr(0, colon)), static_cast<uint16_t>(port)};
}

bool IsLoopbackHost(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1";
}

}  // namespace cocoon::net
