// Manifest and index parsing: size limit first, then JSON (depth-limited), then each field with
// its type checked. Parse into locals; a document is returned only when all of it is valid.
#include "image/manifest.h"

#include "base/limits.h"

namespace cocoon::image {
namespace {

Status CheckSize(ByteSpan bytes, size_t max, std::string_view what) {
  if (bytes.size() > max) {
    return ResourceExhausted(std::string(what) + " is " + std::to_string(bytes.size()) +
                             " bytes, over the limit of " + std::to_string(max));
  }
  return Ok();
}

Result<std::map<std::string, std::string>> ParseAnnotations(const Json& obj) {
  std::map<std::string, std::string> out;
  ASSIGN_OR_RETURN(const Json* a, base::FindField(obj, "annotations"));
  if (a == nullptr || a->is_null()) return out;
  if (!a->is_object()) return InvalidArgument("annotations: not an object");
  for (const auto& [k, v] : a->items()) {
    if (!v.is_string()) return InvalidArgument("annotation '" + k + "': not a string");
    out.emplace(k, v.get<std::string>());
  }
  return out;
}

Result<std::vector<std::string>> StringArray(const Json& obj, std::string_view key) {
  std::vector<std::string> out;
  ASSIGN_OR_RETURN(const Json* a, base::FindField(obj, key));
  if (a == nullptr || a->is_null()) return out;
  if (!a->is_array()) return InvalidArgument(std::string(key) + ": not an array");
  for (const Json& v : *a) {
    if (!v.is_string()) return InvalidArgument(std::string(key) + ": element is not a string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<Platform> ParsePlatformJson(const Json& j) {
  if (!j.is_object()) return InvalidArgument("platform: not an object");
  Platform p;
  ASSIGN_OR_RETURN(p.os, base::GetString(j, "os"));
  ASSIGN_OR_RETURN(p.architecture, base::GetString(j, "architecture"));
  ASSIGN_OR_RETURN(p.variant, base::GetStringOr(j, "variant", ""));
  ASSIGN_OR_RETURN(p.os_version, base::GetStringOr(j, "os.version", ""));
  ASSIGN_OR_RETURN(p.os_features, StringArray(j, "os.features"));
  return p;
}

Result<Json> ParseDocument(ByteSpan bytes, std::string_view what) {
  TRY(CheckSize(bytes, limits::kManifestMaxBytes, what));
  auto j = base::ParseJson(bytes);
  if (!j) return std::unexpected(j.error().WithContext(what));
  if (!j->is_object()) return InvalidArgument(std::string(what) + ": not a JSON object");
  return j;
}

Status CheckSchemaVersion(const Json& j, std::string_view what) {
  ASSIGN_OR_RETURN(int64_t v, base::GetInt(j, "schemaVersion"));
  if (v != 2) {
    return InvalidArgument(std::string(what) + ": schemaVersion " + std::to_string(v) + ", want 2");
  }
  return Ok();
}

Result<std::string> TypeOf(const Json& j, std::string_view declared) {
  ASSIGN_OR_RETURN(std::string embedded, base::GetStringOr(j, "mediaType", ""));
  if (embedded == media::kDockerSchema1 || embedded == media::kDockerSchema1Signed ||
      declared == media::kDockerSchema1 || declared == media::kDockerSchema1Signed) {
    return Unimplemented("Docker schema 1 manifests are not supported");
  }
  bool declared_known = IsManifestMediaType(declared) || IsIndexMediaType(declared);
  if (declared_known && !embedded.empty() && embedded != declared) {
    return InvalidArgument("manifest declared as " + std::string(declared) + " but says " +
                           embedded);
  }
  if (declared_known) return std::string(declared);
  if (!embedded.empty()) {
    if (!IsManifestMediaType(embedded) && !IsIndexMediaType(embedded)) {
      return InvalidArgument("unsupported manifest media type " + embedded);
    }
    return embedded;
  }
  if (j.contains("manifests")) return std::string(media::kOciIndex);
  if (j.contains("layers") || j.contains("config")) return std::string(media::kOciManifest);
  return InvalidArgument("document is neither a manifest nor an index");
}

}  // namespace

bool IsIndexMediaType(std::string_view t) {
  return t == media::kOciIndex || t == media::kDockerManifestList;
}
bool IsManifestMediaType(std::string_view t) {
  return t == media::kOciManifest || t == media::kDockerManifest;
}

Result<LayerType> ClassifyLayer(std::string_view t) {
  using media::kDockerForeignLayerGzip, media::kDockerLayerGzip;
  if (t == media::kOciLayerTar || t == media::kOciNondistTar ||
      t == "application/vnd.docker.image.rootfs.diff.tar") {
    return LayerType{};
  }
  if (t == media::kOciLayerGzip || t == media::kOciNondistGzip || t == kDockerLayerGzip ||
      t == kDockerForeignLayerGzip) {
    return LayerType{Compression::kGzip, false};
  }
  if (t == media::kOciLayerZstd || t == media::kOciNondistZstd ||
      t == "application/vnd.docker.image.rootfs.diff.tar.zstd") {
    return LayerType{Compression::kZstd, false};
  }
  if (t == media::kOciLayerTarEnc) return LayerType{Compression::kNone, true};
  if (t == media::kOciLayerGzipEnc) return LayerType{Compression::kGzip, true};
  if (t == media::kOciLayerZstdEnc) return LayerType{Compression::kZstd, true};
  return InvalidArgument("unsupported layer media type '" + std::string(t) + "'");
}

Result<Descriptor> ParseDescriptor(const Json& j) {
  if (!j.is_object()) return InvalidArgument("descriptor: not an object");
  Descriptor d;
  ASSIGN_OR_RETURN(d.media_type, base::GetString(j, "mediaType"));
  ASSIGN_OR_RETURN(std::string digest, base::GetString(j, "digest"));
  ASSIGN_OR_RETURN(d.digest, Digest::Parse(digest));
  ASSIGN_OR_RETURN(int64_t size, base::GetInt(j, "size"));
  if (size < 0) return InvalidArgument("descriptor " + digest + ": negative size");
  d.size = static_cast<uint64_t>(size);
  ASSIGN_OR_RETURN(d.urls, StringArray(j, "urls"));
  ASSIGN_OR_RETURN(d.annotations, ParseAnnotations(j));
  ASSIGN_OR_RETURN(const Json* p, base::FindField(j, "platform"));
  if (p != nullptr && !p->is_null()) {
    auto platform = ParsePlatformJson(*p);
    if (!platform) return std::unexpected(platform.error().WithContext("descriptor " + digest));
    d.platform = std::move(*platform);
  }
  return d;
}

Result<std::string> DetectManifestType(ByteSpan bytes, std::string_view declared) {
  ASSIGN_OR_RETURN(Json j, ParseDocument(bytes, "manifest"));
  return TypeOf(j, declared);
}

Result<Manifest> ParseManifest(ByteSpan bytes, std::string_view declared) {
  ASSIGN_OR_RETURN(Json j, ParseDocument(bytes, "manifest"));
  Manifest m;
  ASSIGN_OR_RETURN(m.media_type, TypeOf(j, declared));
  if (!IsManifestMediaType(m.media_type)) {
    return InvalidArgument("expected an image manifest, got " + m.media_type);
  }
  TRY(CheckSchemaVersion(j, "manifest"));
  ASSIGN_OR_RETURN(const Json* config, base::GetObject(j, "config"));
  auto cd = ParseDescriptor(*config);
  if (!cd) return std::unexpected(cd.error().WithContext("manifest config"));
  m.config = std::move(*cd);
  ASSIGN_OR_RETURN(const Json* layers, base::GetArray(j, "layers"));
  for (size_t i = 0; i < layers->size(); ++i) {
    auto ld = ParseDescriptor((*layers)[i]);
    if (!ld) return std::unexpected(ld.error().WithContext("layer " + std::to_string(i)));
    m.layers.push_back(std::move(*ld));
  }
  ASSIGN_OR_RETURN(m.annotations, ParseAnnotations(j));
  return m;
}

Result<Index> ParseIndex(ByteSpan bytes, std::string_view declared) {
  ASSIGN_OR_RETURN(Json j, ParseDocument(bytes, "index"));
  Index index;
  ASSIGN_OR_RETURN(index.media_type, TypeOf(j, declared));
  if (!IsIndexMediaType(index.media_type)) {
    return InvalidArgument("expected an image index, got " + index.media_type);
  }
  TRY(CheckSchemaVersion(j, "index"));
  ASSIGN_OR_RETURN(const Json* list, base::GetArray(j, "manifests"));
  for (size_t i = 0; i < list->size(); ++i) {
    auto d = ParseDescriptor((*list)[i]);
    if (!d) return std::unexpected(d.error().WithContext("index entry " + std::to_string(i)));
    index.manifests.push_back(std::move(*d));
  }
  ASSIGN_OR_RETURN(index.annotations, ParseAnnotations(j));
  return index;
}

OrderedJson DescriptorToJson(const Descriptor& d) {
  OrderedJson j;
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest.String();
  j["size"] = d.size;
  if (!d.urls.empty()) j["urls"] = d.urls;
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  if (d.platform) {
    OrderedJson p;
    p["architecture"] = d.platform->architecture;
    p["os"] = d.platform->os;
    if (!d.platform->os_version.empty()) p["os.version"] = d.platform->os_version;
    if (!d.platform->os_features.empty()) p["os.features"] = d.platform->os_features;
    if (!d.platform->variant.empty()) p["variant"] = d.platform->variant;
    j["platform"] = std::move(p);
  }
  return j;
}

std::string SerializeManifest(const Manifest& m) {
  OrderedJson j;
  j["schemaVersion"] = 2;
  j["mediaType"] = m.media_type;
  j["config"] = DescriptorToJson(m.config);
  j["layers"] = OrderedJson::array();
  for (const Descriptor& l : m.layers) j["layers"].push_back(DescriptorToJson(l));
  if (!m.annotations.empty()) j["annotations"] = m.annotations;
  return base::DumpJson(j);
}

std::string SerializeIndex(const Index& index) {
  OrderedJson j;
  j["schemaVersion"] = 2;
  if (!index.media_type.empty()) j["mediaType"] = index.media_type;
  j["manifests"] = OrderedJson::array();
  for (const Descriptor& d : index.manifests) j["manifests"].push_back(DescriptorToJson(d));
  if (!index.annotations.empty()) j["annotations"] = index.annotations;
  return base::DumpJson(j);
}

}  // namespace cocoon::image
