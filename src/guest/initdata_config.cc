// Initdata fields the agent uses (see initdata_config.h).
#include "guest/initdata_config.h"

#include "attestation/init_data.h"
#include "base/json.h"
#include "crypto/x509.h"

namespace cocoon::guest {
namespace {

// The string at `path` (a JSON pointer) or "" when absent; InvalidArgument if not a string.
Result<std::string> OptionalString(const Json& root, std::string_view pointer) {
  const Json* v = base::FindPointer(root, pointer);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string())
    return InvalidArgument("initdata " + std::string(pointer) + " is not a string");
  return v->get<std::string>();
}

std::string_view TrimSlash(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

// kbc.kbs_cert is the trust anchor for the KBS's TLS: it must parse, and it only means something
// over https.
Status CheckKbsCert(const InitDataConfig& c) {
  if (c.kbs_cert.empty()) return Ok();
  if (auto certs = crypto::Certificate::ParsePemBundle(c.kbs_cert); !certs) {
    return InvalidArgument("initdata cdh.toml kbc.kbs_cert: " + certs.error().message());
  }
  if (!c.kbs_url.starts_with("https://")) {
    return InvalidArgument("initdata cdh.toml kbc.kbs_cert is set but kbc.url '" + c.kbs_url +
                           "' is not https");
  }
  return Ok();
}

}  // namespace

Result<std::string> ChooseKbsUrl(const InitDataConfig& init, std::string_view host_url,
                                 std::string_view source) {
  if (init.kbs_url.empty()) return std::string(host_url);
  if (!host_url.empty() && TrimSlash(host_url) != TrimSlash(init.kbs_url)) {
    return PermissionDenied("KBS URL '" + std::string(host_url) + "' from " + std::string(source) +
                            " differs from the initdata's '" + init.kbs_url +
                            "': the measured initdata decides which KBS the guest trusts");
  }
  return init.kbs_url;
}

Result<InitDataConfig> ParseInitDataConfig(std::string_view toml) {
  auto digest = attestation::DigestInitData({"toml", std::string(toml)});
  if (!digest) return std::unexpected(digest.error().WithContext("initdata"));
  const Json& data = digest->claims;
  if (!data.is_object()) return InvalidArgument("initdata has no [data] table");
  InitDataConfig out;
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
      if (!r.is_object()) return InvalidArgument("initdata registry entry is not a table");
      RegistryRemap m;
      ASSIGN_OR_RETURN(m.prefix, OptionalString(r, "/prefix"));
      ASSIGN_OR_RETURN(m.location, OptionalString(r, "/location"));
      if (m.prefix.empty()) m.prefix = m.location;
      if (m.prefix.empty())
        return InvalidArgument("initdata registry entry has no prefix or location");
      if (m.location.empty()) m.location = m.prefix;
      ASSIGN_OR_RETURN(m.connect_to, OptionalString(r, "/connect_to"));
      ASSIGN_OR_RETURN(m.ca_certs, OptionalString(r, "/ca_certs"));
      if (const Json* ins = base::FindPointer(r, "/insecure"); ins && !ins->is_null()) {
        if (!ins->is_boolean())
          return InvalidArgument("initdata registry insecure is not a boolean");
        m.insecure = ins->get<bool>();
      }
      out.registries.push_back(std::move(m));
    }
  }
  return out;
}

}  // namespace cocoon::guest
