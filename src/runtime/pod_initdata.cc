// MakePodInitData (see pod_initdata.h), serialised with toml++ so every string is quoted right.
#include "runtime/pod_initdata.h"

#include <sstream>
#include <toml++/toml.h>

#include "base/json.h"

namespace cocoon::runtime {
namespace {

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
      regs.push_back(toml::table{
          {"prefix", r.prefix}, {"location", r.location}, {"insecure", r.insecure}});
    }
    image.insert("registry_config", toml::table{{"registry", std::move(regs)}});
  }
  if (!image.empty()) cdh.insert("image", std::move(image));

  toml::table data;
  if (!in.kbs_url.empty()) {
    toml::table aa{{"token_configs", toml::table{{"kbs", toml::table{{"url", in.kbs_url}}}}}};
    data.insert("aa.toml", Dump(aa) + "\n");
  }
  data.insert("cdh.toml", Dump(cdh) + "\n");
  if (!in.agent_policy.empty()) data.insert("policy.rego", in.agent_policy);
  toml::table doc{{"version", "0.1.0"}, {"algorithm", in.algorithm}, {"data", std::move(data)}};
  return Dump(doc) + "\n";
}

}  // namespace cocoon::runtime
