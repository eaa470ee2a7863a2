// Image summary for `cocoon image inspect` and ocicrypt key descriptions.
#include "image/inspect.h"

#include "base/encoding.h"

namespace cocoon::image {
namespace {

std::vector<std::string> SplitComma(std::string_view v) {
  std::vector<std::string> out;
  while (!v.empty()) {
    size_t c = v.find(',');
    out.emplace_back(v.substr(0, c));
    v = c == std::string_view::npos ? std::string_view() : v.substr(c + 1);
  }
  return out;
}

Result<Json> DecodeJsonB64(std::string_view b64, bool url) {
  ASSIGN_OR_RETURN(Bytes raw, url ? base::Base64UrlDecode(b64) : base::Base64Decode(b64));
  return base::ParseJson(raw);
}

// "jwe:<alg>" for each recipient of one base64 JWE JSON serialisation.
void DescribeJwe(std::string_view entry, std::vector<std::string>& out) {
  auto jwe = DecodeJsonB64(entry, false);
  if (!jwe || !jwe->is_object()) return out.push_back("jwe:?");
  if (auto it = jwe->find("recipients"); it != jwe->end() && it->is_array()) {
    for (const Json& r : *it) {
      const Json* alg = base::FindPointer(r, "/header/alg");
      out.push_back("jwe:" + (alg && alg->is_string() ? alg->get<std::string>() : "?"));
    }
    return;
  }
  auto protected_b64 = base::GetString(*jwe, "protected");
  auto header = protected_b64 ? DecodeJsonB64(*protected_b64, true) : Result<Json>(Json());
  const Json* alg = header ? base::FindPointer(*header, "/alg") : nullptr;
  out.push_back("jwe:" + (alg && alg->is_string() ? alg->get<std::string>() : "?"));
}

void DescribeProvider(std::string_view name, std::string_view entry,
                      std::vector<std::string>& out) {
  auto packet = DecodeJsonB64(entry, false);
  const Json* kid = packet && packet->is_object() ? base::FindPointer(*packet, "/kid") : nullptr;
  std::string desc = "provider:" + std::string(name);
  if (kid && kid->is_string()) desc += ":" + kid->get<std::string>();
  out.push_back(std::move(desc));
}

OrderedJson LayerJson(const Descriptor& d) {
  OrderedJson annotations = OrderedJson::object();
  for (const auto& [k, v] : d.annotations) annotations[k] = v;
  OrderedJson keys = OrderedJson::array();
  for (const std::string& k : DescribeLayerKeys(d.annotations)) keys.push_back(k);
  return {{"MIMEType", d.media_type},
          {"Digest", d.digest.String()},
          {"Size", d.size},
          {"Annotations", annotations.empty() ? OrderedJson() : annotations},
          {"Encrypted", IsEncryptedMediaType(d.media_type)},
          {"EncryptionKeys", keys}};
}

OrderedJson FromConfig(const Json& raw, std::string_view pointer) {
  const Json* v = base::FindPointer(raw, pointer);
  return v ? OrderedJson::parse(v->dump(-1, ' ', false, Json::error_handler_t::replace), nullptr,
                                false)
           : OrderedJson();
}

}  // namespace

std::vector<std::string> DescribeLayerKeys(const Annotations& annotations) {
  std::vector<std::string> out;
  for (const auto& [name, value] : annotations) {
    if (!name.starts_with(kEncKeysPrefix)) continue;
    std::string_view scheme = std::string_view(name).substr(kEncKeysPrefix.size());
    for (const std::string& entry : SplitComma(value)) {
      if (scheme == "jwe") {
        DescribeJwe(entry, out);
      } else if (scheme.starts_with("provider.")) {
        DescribeProvider(scheme.substr(9), entry, out);
      } else {
        out.emplace_back(scheme);
      }
    }
  }
  return out;
}

Result<OrderedJson> InspectImage(ImageSource& source, const Platform& platform) {
  ASSIGN_OR_RETURN(ResolvedImage image, ResolveImage(source, platform));
  ASSIGN_OR_RETURN(ImageConfig config, FetchConfig(source, image.manifest));
  std::string name = source.Name();
  if (auto t = ParseTransportRef(name); t && t->is_docker()) {
    // skopeo's Name is the repository: docker.io/library/busybox, without tag or digest.
    name = t->name;
    size_t slash = name.find('/');
    size_t sep = name.find_first_of(":@", slash == std::string::npos ? 0 : slash);
    name = name.substr(0, sep);
  }
  OrderedJson layers = OrderedJson::array(), data = OrderedJson::array();
  for (const Descriptor& d : image.manifest.layers) {
    layers.push_back(d.digest.String());
    data.push_back(LayerJson(d));
  }
  OrderedJson out;
  out["Name"] = name;
  out["Digest"] = image.index_digest.value_or(image.raw.digest).String();
  out["RepoTags"] = OrderedJson::array();
  out["Created"] = FromConfig(config.raw, "/created");
  out["DockerVersion"] = FromConfig(config.raw, "/docker_version");
  out["Labels"] = FromConfig(config.raw, "/config/Labels");
  out["Architecture"] = config.architecture;
  if (!config.variant.empty()) out["Variant"] = config.variant;
  out["Os"] = config.os;
  out["Layers"] = layers;
  out["LayersData"] = data;
  OrderedJson env = OrderedJson::array();
  for (const std::string& e : config.env) env.push_back(e);
  out["Env"] = env;
  return out;
}

}  // namespace cocoon::image
