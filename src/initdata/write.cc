// WriteDocument (see initdata.h): the inner documents through toml++ (internal/toml.h) so every
// string is quoted right; the outer one by hand, each value a multi-line basic string.
#include <cstdio>

#include "initdata/initdata.h"
#include "initdata/internal/toml.h"

namespace cocoon::initdata {
namespace {

// A TOML multi-line basic string ("""…""") holding `text` exactly: backslashes and quotes
// escaped, control characters other than newline and tab as \uXXXX. Unlike a literal string,
// it cannot be closed early by what it holds (a policy may contain ''').
std::string MultiLineBasic(std::string_view text) {
  std::string out = "\"\"\"\n";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n' || c == '\t') {
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"\"\"";
}

// cdh.toml: [kbc] and [image] (the policy on one line, the registry remaps).
Result<Json> CdhToml(const Document& in) {
  Json cdh = Json::object();
  if (!in.kbs_url.empty()) {
    Json kbc = {{"name", "cc_kbc"}, {"url", in.kbs_url}};
    if (!in.kbs_cert.empty()) kbc["kbs_cert"] = in.kbs_cert;
    cdh["kbc"] = std::move(kbc);
  }
  Json image = Json::object();
  if (!in.image_security_policy.empty()) {
    auto parsed = base::ParseJson(in.image_security_policy);
    if (!parsed) return InvalidArgument("image signature policy: " + parsed.error().message());
    image["image_security_policy"] = base::DumpJson(*parsed);  // one line
  }
  if (!in.registries.empty()) {
    Json regs = Json::array();
    for (const auto& r : in.registries) {
      Json t = {{"prefix", r.prefix}, {"location", r.location}, {"insecure", r.insecure}};
      if (!r.connect_to.empty()) t["connect_to"] = r.connect_to;
      if (!r.ca_certs.empty()) t["ca_certs"] = r.ca_certs;
      regs.push_back(std::move(t));
    }
    image["registry_config"] = {{"registry", std::move(regs)}};
  }
  if (!image.empty()) cdh["image"] = std::move(image);
  return cdh;
}

}  // namespace

Result<std::string> WriteDocument(const Document& in) {
  if (in.algorithm != "sha256" && in.algorithm != "sha384" && in.algorithm != "sha512") {
    return InvalidArgument("initdata algorithm '" + in.algorithm + "' (sha256|sha384|sha512)");
  }
  ASSIGN_OR_RETURN(Json cdh, CdhToml(in));
  std::string doc = "version = \"0.1.0\"\nalgorithm = \"" + in.algorithm + "\"\n\n[data]\n";
  if (!in.kbs_url.empty()) {
    Json aa = {{"token_configs", {{"kbs", {{"url", in.kbs_url}}}}}};
    doc += "\"aa.toml\" = " + MultiLineBasic(internal::DumpToml(aa) + "\n") + "\n";
  }
  doc += "\"cdh.toml\" = " + MultiLineBasic(internal::DumpToml(cdh) + "\n") + "\n";
  if (!in.agent_policy.empty()) {
    doc += "\"policy.rego\" = " + MultiLineBasic(in.agent_policy) + "\n";
  }
  return doc;
}

}  // namespace cocoon::initdata
