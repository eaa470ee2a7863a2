// MakePodInitData (see pod_initdata.h), serialised with toml++ so every string is quoted right.
#include "runtime/pod_initdata.h"

#include <cstdio>
#include <sstream>
#include <toml++/toml.h>

#include "base/json.h"

namespace cocoon::runtime {
namespace {

// A TOML multi-line basic string ("""…""") holding `text` exactly: backslashes and quotes
// escaped, control characters other than newline and tab as \uXXXX. Unlike a literal string,
// it cannot be closed early by what it holds (a policy may contain ''').
std::string MultiLineBasic(std::string_view text) {
  std::string out = "\"\"\"\n";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n' || c == '\t') out += c;
    else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else out += c;
  }
  return out + "\"\"\"";
}

std::string Dump(const toml::table& t) {
  std::ostringstream out;
  out << t;
  return out.str();
}

}  // namespace

Result<std::string> MakePodInitData(const PodInitData& in) {
  if (in.algorithm != "sha256" && in.algorithm != "sha384" && in.algorithm != "sha512") {
    return InvalidArgument("initdata algorithm '" + in.algorithm + "' (sha256|sha384|sha512)");
  }
  toml::table cdh;
  if (!in.kbs_url.empty()) {
    toml::table kbc{{"name", "cc_kbc"}, {"url", in.kbs_url}};
    if (!in.kbs_cert.empty()) kbc.insert("kbs_cert", in.kbs_cert);
    cdh.insert("kbc", std::move(kbc));
  }
  toml::table image;
  if (!in.image_security_policy.empty()) {
    auto parsed = base::ParseJson(in.image_security_policy);
    if (!parsed) return InvalidArgument("image signature policy: " + parsed.error().message());
    image.insert("image_security_policy", base::DumpJson(*parsed));  // one line
  }
  if (!in.registries.empty()) {
    toml::array regs;
    for (const auto& r : in.registries) {
      toml::table t{{"prefix", r.prefix}, {"location", r.location}, {"insecure", r.insecure}};
      if (!r.connect_to.empty()) t.insert("connect_to", r.connect_to);
      if (!r.ca_certs.empty()) t.insert("ca_certs", r.ca_certs);
      regs.push_back(std::move(t));
    }
    image.insert("registry_config", toml::table{{"registry", std::move(regs)}});
  }
  if (!image.empty()) cdh.insert("image", std::move(image));

  // The outer document by hand: every value as a multi-line basic string (see above).
  std::string doc = "version = \"0.1.0\"\nalgorithm = \"" + in.algorithm + "\"\n\n[data]\n";
  if (!in.kbs_url.empty()) {
    toml::table aa{{"token_configs", toml::table{{"kbs", toml::table{{"url", in.kbs_url}}}}}};
    doc += "\"aa.toml\" = " + MultiLineBasic(Dump(aa) + "\n") + "\n";
  }
  doc += "\"cdh.toml\" = " + MultiLineBasic(Dump(cdh) + "\n") + "\n";
  if (!in.agent_policy.empty()) doc += "\"policy.rego\" = " + MultiLineBasic(in.agent_policy) + "\n";
  return doc;
}

}  // namespace cocoon::runtime
