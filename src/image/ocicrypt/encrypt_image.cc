// --encryption-key parsing and the encrypting layer transform.
#include "image/ocicrypt/encrypt_image.h"

#include <memory>

#include "base/file.h"
#include "image/ocicrypt/ocicrypt.h"

namespace cocoon::image {
namespace {

constexpr std::string_view kJwe = "jwe:";
constexpr std::string_view kProvider = "provider:";
constexpr std::string_view kKbsScheme = "kbs:///";

Result<crypto::PublicKey> LoadRecipientKey(const std::string& path) {
  ASSIGN_OR_RETURN(std::string pem, base::ReadFile(path, "encryption key"));
  auto key = crypto::PublicKey::FromPem(pem);
  if (!key) return InvalidArgument("encryption key " + path + ": not a PEM public key");
  if (key->type() == crypto::KeyType::kEd25519) {
    return InvalidArgument("encryption key " + path + ": Ed25519 cannot be a JWE recipient");
  }
  return *key;
}

// coco_keyprovider parameters "k1=v1::k2=v2" (or a bare "kbs:///…" key id).
Result<EncryptionKeySpec> ParseProviderParams(std::string_view params, std::string_view arg) {
  EncryptionKeySpec spec;
  if (params.starts_with("kbs://")) {
    spec.kid = std::string(params);
  } else {
    while (!params.empty()) {
      size_t end = params.find("::");
      std::string_view kv = params.substr(0, end);
      params = end == std::string_view::npos ? std::string_view() : params.substr(end + 2);
      size_t eq = kv.find('=');
      std::string_view k = kv.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
      if (k == "keyid") {
        spec.kid = std::string(v);
      } else if (k == "keypath") {
        spec.keypath = std::string(v);
      } else if (k == "algorithm" && v == "A256GCM") {
        continue;
      } else {
        return InvalidArgument("--encryption-key " + std::string(arg) +
                               ": unsupported parameter '" + std::string(kv) +
                               "' (want keyid=, keypath=, algorithm=A256GCM)");
      }
    }
  }
  if (spec.kid.empty()) {
    return InvalidArgument("--encryption-key " + std::string(arg) +
                           ": the attestation-agent provider needs a key id kbs:///REPO/TYPE/TAG");
  }
  auto path = KbsResourcePath(spec.kid);
  if (!path) return std::unexpected(path.error().WithContext("--encryption-key"));
  return spec;
}

}  // namespace

Result<EncryptionKeySpec> ParseEncryptionKey(std::string_view arg) {
  if (arg.starts_with(kJwe)) {
    std::string path(arg.substr(kJwe.size()));
    if (path.empty()) return InvalidArgument("--encryption-key jwe: needs a public key file");
    EncryptionKeySpec spec;
    ASSIGN_OR_RETURN(spec.jwe, LoadRecipientKey(path));
    return spec;
  }
  if (arg.starts_with(kProvider)) {
    std::string_view rest = arg.substr(kProvider.size());
    std::string_view name = rest.substr(0, rest.find(':'));
    if (name != kAttestationAgent) {
      return InvalidArgument("--encryption-key " + std::string(arg) + ": unknown key provider '" +
                             std::string(name) + "' (supported: attestation-agent)");
    }
    std::string_view params = rest.size() > name.size() ? rest.substr(name.size() + 1) : "";
    return ParseProviderParams(params, arg);
  }
  return InvalidArgument("--encryption-key " + std::string(arg) +
                         ": unknown scheme (want jwe:PUB.pem or "
                         "provider:attestation-agent:kbs:///REPO/TYPE/TAG)");
}

Result<std::string> KbsResourcePath(std::string_view kid) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("key id '" + std::string(kid) + "': " + std::string(why) +
                           " (want kbs:///REPO/TYPE/TAG)");
  };
  if (!kid.starts_with(kKbsScheme)) return bad("not a kbs:/// URI");
  std::string_view path = kid.substr(kKbsScheme.size());
  size_t segments = 0;
  for (size_t start = 0; start <= path.size();) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return bad("empty or dot path segment");
    ++segments;
    start = end + 1;
  }
  if (segments != 3) return bad("needs exactly three path segments");
  return std::string(path);
}

Status CheckEncryptable(const Manifest& m) {
  for (const Descriptor& layer : m.layers) {
    if (IsEncryptedMediaType(layer.media_type) || HasEncryptionKeys(layer.annotations)) {
      return InvalidArgument("layer " + layer.digest.String() + " is already encrypted (" +
                             layer.media_type + "); re-encrypting is not supported");
    }
    if (auto t = EncryptedMediaType(layer.media_type); !t) {
      return InvalidArgument("layer " + layer.digest.String() + ": " + t.error().message());
    }
  }
  return Ok();
}

LayerTransform MakeEncryptTransform(std::vector<Recipient> recipients) {
  auto shared = std::make_shared<const std::vector<Recipient>>(std::move(recipients));
  return [shared](const Descriptor& layer, Source& in, Sink& out) -> Result<Descriptor> {
    ASSIGN_OR_RETURN(EncryptedLayer enc,
                     EncryptLayerStream(in, out, *shared, layer.digest, layer.media_type));
    return Descriptor{.media_type = std::move(enc.media_type),
                      .digest = std::move(enc.digest),
                      .size = enc.size,
                      .annotations = std::move(enc.annotations)};
  };
}

}  // namespace cocoon::image
