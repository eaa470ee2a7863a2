// ocicrypt media types and options JSON. Serialisation reproduces Go's json.Marshal output
// byte for byte (struct field order, []byte as padded base64 std).
#include "image/ocicrypt/ocicrypt.h"

#include <array>

#include "base/encoding.h"
#include "base/json.h"
#include "base/limits.h"

namespace cocoon::image {
namespace {

constexpr std::string_view kEncryptedSuffix = "+encrypted";
constexpr std::string_view kDockerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
constexpr std::string_view kOciTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

constexpr std::array<std::string_view, 7> kPlainTypes = {
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    "application/vnd.wasm.content.layer.v1+wasm",
};

bool IsPlainType(std::string_view t) {
  for (auto p : kPlainTypes) {
    if (p == t) return true;
  }
  return false;
}

// A base64 std field of exactly `size` bytes; errors name the field, never its value.
Result<Bytes> FixedB64(const Json& obj, std::string_view field, size_t size) {
  auto text = base::GetString(obj, field);
  if (!text) return InvalidArgument("ocicrypt options: \"" + std::string(field) + "\" missing");
  auto bytes = base::Base64Decode(*text);
  if (!bytes || bytes->size() != size) {
    return InvalidArgument("ocicrypt options: \"" + std::string(field) + "\" must be base64 of " +
                           std::to_string(size) + " bytes");
  }
  return std::move(*bytes);
}

Result<Json> ParseObject(ByteSpan json, std::string_view what) {
  auto j = base::ParseJson(json);
  if (!j) return std::unexpected(j.error().WithContext(what));
  if (!j->is_object()) return InvalidArgument(std::string(what) + " must be a JSON object");
  return std::move(*j);
}

}  // namespace

Result<std::string> EncryptedMediaType(std::string_view plain) {
  if (plain == kDockerGzip) return std::string(kOciTarGzip) + std::string(kEncryptedSuffix);
  if (IsPlainType(plain)) return std::string(plain) + std::string(kEncryptedSuffix);
  return InvalidArgument("media type " + std::string(plain) + " cannot be encrypted");
}

Result<std::string> DecryptedMediaType(std::string_view encrypted) {
  if (encrypted.ends_with(kEncryptedSuffix)) {
    std::string_view plain = encrypted.substr(0, encrypted.size() - kEncryptedSuffix.size());
    if (IsPlainType(plain)) return std::string(plain);
  }
  return InvalidArgument("media type " + std::string(encrypted) + " is not an encrypted layer");
}

bool IsEncryptedMediaType(std::string_view media_type) {
  return DecryptedMediaType(media_type).has_value();
}

bool HasEncryptionKeys(const Annotations& annotations) {
  auto it = annotations.lower_bound(std::string(kEncKeysPrefix));
  return it != annotations.end() && it->first.starts_with(kEncKeysPrefix);
}

crypto::SecretBytes SerializePrivateOptions(const LayerKey& key) {
  // Built by hand rather than through nlohmann so no copy of the key outlives this function
  // outside a SecretBytes.
  crypto::SecretBytes symkey_b64 =
      crypto::SecretBytes::FromString(base::Base64Encode(key.symkey.span()));
  const std::string tail = "\",\"digest\":" + base::DumpJson(Json(key.digest)) +
                           ",\"cipheroptions\":{\"nonce\":\"" + base::Base64Encode(key.nonce) +
                           "\"}}";
  constexpr std::string_view kHead = "{\"symkey\":\"";
  crypto::SecretBytes out(kHead.size() + symkey_b64.size() + tail.size());
  uint8_t* p = out.data();
  for (std::string_view part : {kHead, symkey_b64.view(), std::string_view(tail)}) {
    std::copy(part.begin(), part.end(), p);
    p += part.size();
  }
  return out;
}

Result<LayerKey> ParsePrivateOptions(ByteSpan json) {
  ASSIGN_OR_RETURN(Json j, ParseObject(json, "ocicrypt private options"));
  LayerKey key;
  ASSIGN_OR_RETURN(Bytes symkey, FixedB64(j, "symkey", kSymKeyBytes));
  key.symkey = crypto::SecretBytes(symkey);
  std::fill(symkey.begin(), symkey.end(), 0);
  auto opts = base::GetObject(j, "cipheroptions");
  if (!opts) return InvalidArgument("ocicrypt private options: \"cipheroptions\" missing");
  ASSIGN_OR_RETURN(key.nonce, FixedB64(**opts, "nonce", kNonceBytes));
  auto digest = base::GetStringOr(j, "digest", "");
  if (!digest) return InvalidArgument("ocicrypt private options: \"digest\" must be a string");
  key.digest = std::move(*digest);
  return key;
}

std::string SerializePublicOptions(const PublicOptions& opts) {
  OrderedJson j = OrderedJson::object();
  j["cipher"] = opts.cipher;
  j["hmac"] = base::Base64Encode(opts.hmac);
  j["cipheroptions"] = OrderedJson::object();
  return base::DumpJson(j);
}

Result<PublicOptions> ParsePublicOptions(ByteSpan json) {
  ASSIGN_OR_RETURN(Json j, ParseObject(json, "ocicrypt public options"));
  PublicOptions out;
  auto cipher = base::GetString(j, "cipher");
  if (!cipher) return InvalidArgument("ocicrypt public options: \"cipher\" missing");
  if (*cipher != kCipherAesCtrHmac) {
    return InvalidArgument("unsupported ocicrypt cipher \"" + *cipher + "\"");
  }
  ASSIGN_OR_RETURN(out.hmac, FixedB64(j, "hmac", kHmacBytes));
  return out;
}

Result<PublicOptions> PublicOptionsFromAnnotations(const Annotations& annotations) {
  auto it = annotations.find(std::string(kEncPubopts));
  if (it == annotations.end()) {
    return InvalidArgument("encrypted layer has no " + std::string(kEncPubopts) + " annotation");
  }
  auto json = base::Base64Decode(it->second);
  if (!json) return InvalidArgument(std::string(kEncPubopts) + " annotation is not base64");
  return ParsePublicOptions(*json);
}

Result<std::vector<Bytes>> SplitAnnotationList(std::string_view value, std::string_view what) {
  std::vector<Bytes> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    std::string_view part =
        value.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (out.size() == limits::kOcicryptMaxWrappedKeys) {
      return InvalidArgument(std::string(what) + " annotation has too many entries");
    }
    auto bytes = base::Base64Decode(part);
    if (!bytes || bytes->empty()) {
      return InvalidArgument(std::string(what) + " annotation entry " + std::to_string(out.size()) +
                             " is not base64");
    }
    out.push_back(std::move(*bytes));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace cocoon::image
