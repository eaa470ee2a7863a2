// Registry-backed cosign `.sig` read and append.
#include "image/signature/cosign_registry.h"

#include <map>

#include "base/limits.h"
#include "image/transport.h"

namespace cocoon::image {

Result<std::vector<CosignSignature>> FetchCosignSignatures(RegistryClient& client,
                                                           const Digest& manifest_digest) {
  auto raw = client.GetManifest(CosignSignatureTag(manifest_digest));
  if (!raw && raw.error().code() == Code::kNotFound) return std::vector<CosignSignature>();
  if (!raw) return std::unexpected(raw.error());
  // FetchBlob needs each blob's size: take it from the (untrusted) descriptors, which the
  // digest check then holds to.
  ASSIGN_OR_RETURN(Manifest m, ParseManifest(raw->bytes, raw->media_type));
  std::map<std::string, Descriptor> blobs;
  for (const Descriptor& d : m.layers) blobs[d.digest.String()] = d;
  return ParseCosignSignatureManifest(raw->bytes, [&](std::string_view digest) -> Result<Bytes> {
    auto it = blobs.find(std::string(digest));
    if (it == blobs.end()) return NotFound("signature blob " + std::string(digest));
    if (it->second.size > limits::kSignatureMaxBytes) {
      return ResourceExhausted("signature blob " + std::string(digest) + " is too large");
    }
    BytesSink sink(limits::kSignatureMaxBytes);
    TRY(client.FetchBlob(it->second, sink));
    return std::move(sink.bytes());
  });
}

Result<std::string> PushCosignSignature(RegistryClient& client, const Digest& manifest_digest,
                                        const CosignSignature& sig) {
  ASSIGN_OR_RETURN(std::vector<CosignSignature> all,
                   FetchCosignSignatures(client, manifest_digest));
  if (all.size() >= limits::kSignaturesPerImageMax) {
    return ResourceExhausted("the image already has the maximum number of cosign signatures");
  }
  all.push_back(sig);
  CosignSignatureImage img = BuildCosignSignatureImage(manifest_digest, all);
  auto push = [&](const Bytes& blob) -> Status {
    BytesSource src(blob);
    return client.PushBlob(
        Descriptor{.media_type = "", .digest = Digest::Of(blob), .size = blob.size()}, src);
  };
  TRY(push(img.config));
  for (const Bytes& layer : img.layers) TRY(push(layer));
  TRY(client.PutManifest(img.manifest, media::kOciManifest, img.tag));
  return img.tag;
}

CosignFetcher MakeRegistryCosignFetcher(RegistryOptions options) {
  return
      [options](const ImageIdentity& id, const Digest& d) -> Result<std::vector<CosignSignature>> {
        ASSIGN_OR_RETURN(Reference ref, ParseReference(id.repository));
        ASSIGN_OR_RETURN(auto client, RegistryClient::Create(ref, options));
        return FetchCosignSignatures(*client, d);
      };
}

}  // namespace cocoon::image
