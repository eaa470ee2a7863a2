// ParseDocument, ChooseKbsUrl and ServicePorts (see initdata.h).
#include <algorithm>

#include "crypto/x509.h"
#include "initdata/initdata.h"

namespace cocoon::initdata {
namespace {

// The string at `pointer` (a JSON pointer) or "" when absent; InvalidArgument if not a string.
Result<std::string> OptionalString(const Json& root, std::string_view pointer) {
  const Json* v = base::FindPointer(root, pointer);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) {
    return InvalidArgument("initdata " + std::string(pointer) + " is not a string");
  }
  return v->get<std::string>();
}

std::string_view TrimSlash(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

// kbc.kbs_cert is the trust anchor for the KBS's TLS: it must parse, and it only means something
// over https.
Status CheckKbsCert(const Document& d) {
  if (d.kbs_cert.empty()) return Ok();
  if (auto certs = crypto::Certificate::ParsePemBundle(d.kbs_cert); !certs) {
    return InvalidArgument("initdata cdh.toml kbc.kbs_cert: " + certs.error().message());
  }
  if (!d.kbs_url.starts_with("https://")) {
    return InvalidArgument("initdata cdh.toml kbc.kbs_cert is set but kbc.url '" + d.kbs_url +
                           "' is not https");
  }
  return Ok();
}

Result<RegistryRemap> ParseRemap(const Json& r) {
  if (!r.is_object()) return InvalidArgument("initdata registry entry is not a table");
  RegistryRemap m;
  ASSIGN_OR_RETURN(m.prefix, OptionalString(r, "/prefix"));
  ASSIGN_OR_RETURN(m.location, OptionalString(r, "/location"));
  if (m.prefix.empty()) m.prefix = m.location;
  if (m.prefix.empty()) return InvalidArgument("initdata registry entry has no prefix or location");
  if (m.location.empty()) m.location = m.prefix;
  ASSIGN_OR_RETURN(m.connect_to, OptionalString(r, "/connect_to"));
  ASSIGN_OR_RETURN(m.ca_certs, OptionalString(r, "/ca_certs"));
  if (const Json* ins = base::FindPointer(r, "/insecure"); ins && !ins->is_null()) {
    if (!ins->is_boolean()) return InvalidArgument("initdata registry insecure is not a boolean");
    m.insecure = ins->get<bool>();
  }
  return m;
}

}  // namespace

Result<Document> ParseDocument(std::string_view toml) {
  auto digest = DigestInitData({"toml", std::string(toml)});
  if (!digest) return std::unexpected(digest.error().WithContext("initdata"));
  const Json& data = digest->claims;
  if (!data.is_object()) return InvalidArgument("initdata has no [data] table");
  Document out;
  out.algorithm = digest->algorithm;
  ASSIGN_OR_RETURN(out.agent_policy, OptionalString(data, "/policy.rego"));
  ASSIGN_OR_RETURN(out.kbs_url, OptionalString(data, "/cdh.toml/kbc/url"));
  ASSIGN_OR_RETURN(out.kbs_cert, OptionalString(data, "/cdh.toml/kbc/kbs_cert"));
  TRY(CheckKbsCert(out));
  ASSIGN_OR_RETURN(out.image_security_policy,
                   OptionalString(data, "/cdh.toml/image/image_security_policy"));
  if (const Json* regs = base::FindPointer(data, "/cdh.toml/image/registry_config/registry")) {
    if (!regs->is_array()) {
      return InvalidArgument("initdata cdh.toml image.registry_config.registry is not an array");
    }
    if (regs->size() > 64) return InvalidArgument("initdata: more than 64 registry entries");
    for (const Json& r : *regs) {
      ASSIGN_OR_RETURN(RegistryRemap m, ParseRemap(r));
      out.registries.push_back(std::move(m));
    }
  }
  return out;
}

Result<std::string> ChooseKbsUrl(const Document& document, std::string_view host_url,
                                 std::string_view source) {
  if (document.kbs_url.empty()) return std::string(host_url);
  if (!host_url.empty() && TrimSlash(host_url) != TrimSlash(document.kbs_url)) {
    return PermissionDenied("KBS URL '" + std::string(host_url) + "' from " + std::string(source) +
                            " differs from the initdata's '" + document.kbs_url +
                            "': the measured initdata decides which KBS the guest trusts");
  }
  return document.kbs_url;
}

std::vector<uint16_t> ServicePorts(std::string_view toml, std::string_view address) {
  std::vector<uint16_t> ports;
  std::string needle = std::string(address) + ":";
  for (size_t pos = 0; (pos = toml.find(needle, pos)) != std::string_view::npos;) {
    pos += needle.size();
    uint32_t port = 0;
    size_t digits = 0;
    while (pos < toml.size() && toml[pos] >= '0' && toml[pos] <= '9' && digits < 6) {
      port = port * 10 + static_cast<uint32_t>(toml[pos++] - '0');
      ++digits;
    }
    if (digits == 0 || port == 0 || port > 65535) continue;
    auto p = static_cast<uint16_t>(port);
    if (std::find(ports.begin(), ports.end(), p) == ports.end()) ports.push_back(p);
  }
  return ports;
}

}  // namespace cocoon::initdata
