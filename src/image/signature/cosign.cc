// cosign signature manifests, verification and signing.

#include "image/signature/cosign.h"

#include "base/encoding.h"
#include "base/json.h"
#include "base/limits.h"
#include "crypto/sign.h"

namespace cocoon::image {
namespace {

constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";

crypto::SignAlg AlgFor(crypto::KeyType t) {
  switch (t) {
    case crypto::KeyType::kEcP256:
      return crypto::SignAlg::kEs256;
    case crypto::KeyType::kEcP384:
      return crypto::SignAlg::kEs384;
    case crypto::KeyType::kEcP521:
      return crypto::SignAlg::kEs512;
    case crypto::KeyType::kRsa:
      return crypto::SignAlg::kRs256;
    case crypto::KeyType::kEd25519:
      return crypto::SignAlg::kEdDsa;
  }
  return crypto::SignAlg::kEs256;
}

bool IsEcdsa(crypto::KeyType t) {
  return t == crypto::KeyType::kEcP256 || t == crypto::KeyType::kEcP384 ||
         t == crypto::KeyType::kEcP521;
}

Result<CosignSignature> ReadLayer(
    const Json& layer, const std::function<Result<Bytes>(std::string_view)>& fetch_blob) {
  ASSIGN_OR_RETURN(std::string digest_text, base::GetString(layer, "digest"));
  ASSIGN_OR_RETURN(Digest digest, Digest::Parse(digest_text));
  ASSIGN_OR_RETURN(int64_t size, base::GetInt(layer, "size"));
  if (size < 0 || static_cast<uint64_t>(size) > limits::kSignatureMaxBytes) {
    return ResourceExhausted("cosign payload " + digest_text + " exceeds the signature limit");
  }
  const Json* sig = base::FindPointer(layer, "/annotations/dev.cosignproject.cosign~1signature");
  if (!sig || !sig->is_string()) {
    return InvalidArgument("cosign layer " + digest_text + " has no " +
                           std::string(kCosignSignatureAnnotation) + " annotation");
  }
  ASSIGN_OR_RETURN(Bytes payload, fetch_blob(digest_text));
  if (payload.size() != static_cast<uint64_t>(size) ||
      !(Digest::Of(payload, digest.algorithm) == digest)) {
    return DataLoss("cosign payload blob does not match its descriptor " + digest_text);
  }
  return CosignSignature{std::move(payload), sig->get<std::string>()};
}

}  // namespace

std::string CosignSignatureTag(const Digest& d) {
  return std::string(crypto::HashAlgName(d.algorithm)) + "-" + d.hex + ".sig";
}

Result<std::vector<CosignSignature>> ParseCosignSignatureManifest(
    ByteSpan manifest, const std::function<Result<Bytes>(std::string_view digest)>& fetch_blob) {
  if (manifest.size() > limits::kManifestMaxBytes) {
    return ResourceExhausted("cosign signature manifest exceeds the manifest limit");
  }
  ASSIGN_OR_RETURN(Json root, base::ParseJson(manifest));
  if (!root.is_object()) return InvalidArgument("cosign signature manifest is not an object");
  ASSIGN_OR_RETURN(const Json* layers, base::GetArray(root, "layers"));
  std::vector<CosignSignature> out;
  for (const Json& layer : *layers) {
    if (!layer.is_object()) return InvalidArgument("cosign signature manifest: bad layer");
    ASSIGN_OR_RETURN(std::string media_type, base::GetString(layer, "mediaType"));
    if (media_type != kCosignPayloadMediaType) continue;
    if (out.size() >= limits::kSignaturesPerImageMax) {
      return ResourceExhausted("more than " + std::to_string(limits::kSignaturesPerImageMax) +
                               " cosign signatures");
    }
    ASSIGN_OR_RETURN(CosignSignature sig, ReadLayer(layer, fetch_blob));
    out.push_back(std::move(sig));
  }
  return out;
}

Result<SignaturePayload> VerifyCosignSignature(const crypto::PublicKey& key,
                                               const CosignSignature& sig,
                                               const Digest& manifest_digest) {
  auto raw = base::Base64Decode(sig.signature);
  if (!raw) return Unauthenticated("cosign signature annotation is not valid base64");
  crypto::SignAlg alg = AlgFor(key.type());
  Status verified = IsEcdsa(key.type()) ? crypto::VerifyDer(key, alg, sig.payload, *raw)
                                        : crypto::Verify(key, alg, sig.payload, *raw);
  if (!verified) return Unauthenticated("cosign signature does not verify with the policy key");
  ASSIGN_OR_RETURN(SignaturePayload payload,
                   ParseSignaturePayload(sig.payload, kCosignSignatureType));
  if (payload.manifest_digest != manifest_digest.String()) {
    return PermissionDenied("signature is for manifest " + payload.manifest_digest + ", not " +
                            manifest_digest.String());
  }
  return payload;
}

Result<CosignSignature> SignCosign(const crypto::PrivateKey& key, std::string_view docker_reference,
                                   const Digest& manifest_digest) {
  CosignSignature out;
  out.payload =
      BuildSignaturePayload(kCosignSignatureType, docker_reference, manifest_digest.String(), 0);
  ASSIGN_OR_RETURN(Bytes sig, crypto::SignDer(key, AlgFor(key.type()), out.payload));
  out.signature = base::Base64Encode(sig);
  return out;
}

CosignSignatureImage BuildCosignSignatureImage(const Digest& manifest_digest,
                                               const std::vector<CosignSignature>& signatures) {
  CosignSignatureImage img;
  img.tag = CosignSignatureTag(manifest_digest);
  OrderedJson config = {{"architecture", ""}, {"os", ""}, {"config", Json::object()}};
  OrderedJson diff_ids = OrderedJson::array();
  OrderedJson layers = OrderedJson::array();
  for (const CosignSignature& s : signatures) {
    std::string d = Digest::Of(s.payload).String();
    diff_ids.push_back(d);
    layers.push_back({{"mediaType", kCosignPayloadMediaType},
                      {"size", s.payload.size()},
                      {"digest", d},
                      {"annotations", {{kCosignSignatureAnnotation, s.signature}}}});
    img.layers.push_back(s.payload);
  }
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
  img.config = ToBytes(base::DumpJson(config));
  OrderedJson manifest = {{"schemaVersion", 2},
                          {"mediaType", kOciManifest},
                          {"config",
                           {{"mediaType", kOciConfig},
                            {"size", img.config.size()},
                            {"digest", Digest::Of(img.config).String()}}},
                          {"layers", layers}};
  img.manifest = ToBytes(base::DumpJson(manifest));
  return img;
}

Result<crypto::PrivateKey> LoadCosignPrivateKey(std::string_view pem) {
  if (pem.find("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----") != std::string_view::npos ||
      pem.find("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----") != std::string_view::npos) {
    return Unimplemented(
        "encrypted cosign private keys (scrypt + nacl/secretbox) are not supported; provide an "
        "unencrypted PKCS#8 PEM");
  }
  return crypto::PrivateKey::FromPem(pem);
}

}  // namespace cocoon::image
