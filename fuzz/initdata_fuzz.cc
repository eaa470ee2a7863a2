// Fuzz target: initdata, the TOML a pod is launched with (the guest parses it before its digest
// is checked against the evidence, so its bytes are the host's). Parse, digest, find service
// ports; a parsed document written back must parse to the same fields.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "initdata/initdata.h"

namespace {

bool SameFields(const cocoon::initdata::Document& a, const cocoon::initdata::Document& b) {
  if (a.kbs_url != b.kbs_url || a.kbs_cert != b.kbs_cert || a.agent_policy != b.agent_policy ||
      a.registries.size() != b.registries.size()) {
    return false;
  }
  for (size_t i = 0; i < a.registries.size(); ++i) {
    const auto& x = a.registries[i];
    const auto& y = b.registries[i];
    if (x.prefix != y.prefix || x.location != y.location || x.insecure != y.insecure ||
        x.connect_to != y.connect_to || x.ca_certs != y.ca_certs) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)cocoon::initdata::DigestInitData({.format = "toml", .body = std::string(text)});
  (void)cocoon::initdata::ServicePorts(text, "10.0.2.100");
  auto doc = cocoon::initdata::ParseDocument(text);
  if (!doc) return 0;
  (void)cocoon::initdata::ChooseKbsUrl(*doc, "http://10.0.2.100:8080", "fuzz");
  auto written = cocoon::initdata::WriteDocument(*doc);
  if (!written) return 0;  // e.g. an image policy that is not JSON: refused on the way out
  auto again = cocoon::initdata::ParseDocument(*written);
  if (!again || !SameFields(*doc, *again)) {  // the writer and the parser disagree
    std::fprintf(stderr, "initdata round trip failed: %s\n--- written ---\n%s\n",
                 again ? "fields differ" : again.error().ToString().c_str(), written->c_str());
    std::abort();
  }
  return 0;
}
