// Fuzz target: ocicrypt parsers of untrusted manifest annotations — public/private options,
// comma-separated annotation lists, JWE JSON (flattened and multi-recipient) unwrapping with
// fixed keys, attestation-agent packets and keyprovider protocol replies.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/bytes.h"
#include "base/encoding.h"
#include "image/ocicrypt/ocicrypt.h"
#include "image/ocicrypt/ocicrypt_keyprovider.h"
#include "image/ocicrypt/ocicrypt_keywrap.h"

namespace {

using namespace cocoon;

const image::DecryptionKeys& Keys() {
  static const image::DecryptionKeys* keys = [] {
    auto* k = new image::DecryptionKeys();
    k->private_keys.push_back(*crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
    auto provider = std::make_shared<image::LocalKeyProvider>();
    (void)provider->Add("kbs:///default/key/1", crypto::SecretBytes(32));
    k->provider = provider;
    return k;
  }();
  return *keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan bytes(data, size);
  std::string_view text = AsString(bytes);
  (void)image::ParsePublicOptions(bytes);
  (void)image::ParsePrivateOptions(bytes);
  (void)image::SplitAnnotationList(text, "fuzz");
  (void)image::ParseAnnotationPacket(bytes);
  (void)image::KidResourcePath(text);
  (void)image::ParseKeyWrapResponse(text);
  (void)image::ParseKeyUnwrapResponse(text);
  (void)image::DecryptedMediaType(text);
  // The input as one raw JWE / packet entry, and as an annotation value.
  const std::string b64 = base::Base64Encode(bytes);
  for (const image::Annotations& a :
       {image::Annotations{{std::string(image::kEncKeysJwe), b64}},
        image::Annotations{{std::string(image::kEncKeysProviderPrefix) + "attestation-agent", b64}},
        image::Annotations{{std::string(image::kEncKeysJwe), std::string(text)},
                           {std::string(image::kEncPubopts), std::string(text)}}}) {
    (void)image::UnwrapLayerKey(a, Keys(), "sha256:fuzz");
    (void)image::PublicOptionsFromAnnotations(a);
  }
  return 0;
}
