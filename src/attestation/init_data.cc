// Init-data digest and claims (Trustee attestation-service parse_init_data). toml++ throws;
// this file is its only adapter in the attestation module.
#include "attestation/init_data.h"

#include <toml++/toml.h>

#include <sstream>

#include "crypto/digest.h"

namespace cocoon::attestation {
namespace {

Json TomlToJson(const toml::node& node) {
  std::ostringstream ss;
  if (auto* t = node.as_table()) {
    ss << toml::json_formatter{*t};
  } else if (auto* a = node.as_array()) {
    ss << toml::json_formatter{*a};
  } else {
    toml::table wrap;
    wrap.insert("v", node);
    ss << toml::json_formatter{wrap};
    auto j = base::ParseJson(ss.str());
    return j ? (*j)["v"] : Json(nullptr);
  }
  auto j = base::ParseJson(ss.str());
  return j ? *j : Json(nullptr);
}

Result<toml::table> ParseToml(const std::string& text, std::string_view what) {
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& e) {
    std::ostringstream ss;
    ss << what << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
       << e.description();
    return InvalidArgument(ss.str());
  }
}

}  // namespace

Result<InitDataDigest> DigestInitData(const InitData& init) {
  if (init.format != "toml") {
    return InvalidArgument("Unsupported initdata format \"" + init.format + "\" (expected toml)");
  }
  ASSIGN_OR_RETURN(toml::table doc, ParseToml(init.body, "init-data"));
  std::string alg_name = doc["algorithm"].value_or(std::string("sha384"));
  ASSIGN_OR_RETURN(crypto::HashAlg alg, crypto::ParseHashAlg(alg_name));
  InitDataDigest out;
  out.digest = crypto::Digest(alg, AsBytes(init.body));
  out.claims = Json::object();
  if (auto* data = doc["data"].as_table()) {
    for (const auto& [k, v] : *data) {
      std::string key(k.str());
      const std::string* text = v.is_string() ? &v.as_string()->get() : nullptr;
      if (text != nullptr && key.size() > 5 && key.ends_with(".toml")) {
        auto inner = ParseToml(*text, key);
        out.claims[key] = inner ? TomlToJson(*inner) : Json(*text);
      } else {
        out.claims[key] = TomlToJson(v);
      }
    }
  }
  return out;
}

}  // namespace cocoon::attestation
