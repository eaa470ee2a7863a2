#include "image/cosign_fetch.h"

#include <map>

#include "base/limits.h"
#include "image/cosign.h"
#include "image/reference.h"
#include "image/transport.h"

namespace cocoon::image {

CosignFetcher MakeRegistryCosignFetcher(RegistryOptions options) {
  return [options](const ImageIdentity& id,
                   const Digest& manifest_digest) -> Result<std::vector<CosignSignature>> {
    if (id.transport != "docker") return std::vector<CosignSignature>{};
    ASSIGN_OR_RETURN(Reference ref, ParseReference(id.repository));
    ASSIGN_OR_RETURN(auto client, RegistryClient::Create(ref, options));
    auto raw = client->GetManifest(CosignSignatureTag(manifest_digest));
    if (!raw && raw.error().code() == Code::kNotFound) return std::vector<CosignSignature>{};
    if (!raw) return std::unexpected(raw.error().WithContext("cosign signatures"));
    ASSIGN_OR_RETURN(Manifest m, ParseManifest(raw->bytes, raw->media_type));
    std::map<std::string, Descriptor> layers;
    for (const auto& d : m.layers) layers.emplace(d.digest.String(), d);
    auto fetch = [&](std::string_view digest) -> Result<Bytes> {
      auto it = layers.find(std::string(digest));
      if (it == layers.end()) return NotFound("signature layer " + std::string(digest));
      if (it->second.size > limits::kSignatureMaxBytes) {
        return ResourceExhausted("signature layer " + std::string(digest) + " is too large");
      }
      BytesSink sink(limits::kSignatureMaxBytes);
      TRY(client->FetchBlob(it->second, sink));
      return std::move(sink.bytes());
    };
    return ParseCosignSignatureManifest(raw->bytes, fetch);
  };
}

}  // namespace cocoon::image
