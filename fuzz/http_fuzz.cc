// Fuzz target: the HTTP value parsers fed with request bytes (percent-decoding, query strings,
// Cookie and Authorization headers). Checks invariants, not just absence of crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "net/http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto decoded = cocoon::net::PercentDecode(text)) {
    if (decoded->size() > text.size()) std::abort();
  } else if (text.find('%') == std::string_view::npos) {
    std::abort();  // only a bad escape may fail
  }
  for (const auto& [key, value] : cocoon::net::ParseQuery(text)) {
    if (key.empty() || key.size() + value.size() > text.size()) std::abort();
  }
  cocoon::net::HttpRequest req;
  req.headers.Add("Cookie", std::string(text));
  req.headers.Set("Authorization", std::string(text));
  size_t eq = text.find('=');
  std::string name(text.substr(0, eq == std::string_view::npos ? 0 : eq));
  if (auto value = req.Cookie(name)) {
    if (value->size() > text.size()) std::abort();
  }
  if (auto token = req.BearerToken()) {
    if (token->empty() || token->size() + 7 > text.size()) std::abort();
  }
  return 0;
}
