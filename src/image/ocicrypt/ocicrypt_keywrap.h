// ocicrypt layer-key wrapping: the per-scheme KeyWrappers used when encrypting (JWE recipients,
// the attestation-agent key provider) and UnwrapLayerKey, which tries every wrapped key of an
// encrypted layer's annotations (untrusted, from the manifest) with the keys we hold.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/keys.h"
#include "image/ocicrypt/ocicrypt.h"
#include "image/ocicrypt/ocicrypt_keyprovider.h"

namespace cocoon::image {

// Wraps the private options for one annotation ("…enc.keys.<scheme>"); each Wrap call yields
// the bytes of one comma-separated entry (base64 is applied by the caller).
class KeyWrapper {
 public:
  virtual ~KeyWrapper();
  virtual std::string AnnotationName() const = 0;
  virtual Result<Bytes> Wrap(ByteSpan private_opts) const = 0;
};

// One go-jose JWE JSON for all `recipients` (RSA → RSA-OAEP, EC → ECDH-ES+A256KW, A256GCM),
// exactly as skopeo --encryption-key jwe:… writes it.
std::unique_ptr<KeyWrapper> MakeJweKeyWrapper(std::vector<crypto::PublicKey> recipients);
// The CoCo attestation-agent AnnotationPacket with `kek` (32 bytes) under key id `kid`.
std::unique_ptr<KeyWrapper> MakeKeyProviderWrapper(std::string kid, crypto::SecretBytes kek);

// The keys a decrypter holds: private keys (`--decryption-key` PEMs) and an optional provider.
struct DecryptionKeys {
  std::vector<crypto::PrivateKey> private_keys;
  std::shared_ptr<KeyProvider> provider;

  // InvalidArgument if `pem` is not an unencrypted RSA or EC private key.
  Status AddPrivateKeyPem(std::string_view pem);
};

// Unwraps the layer key from `annotations`: every JWE entry with every private key, then every
// "…enc.keys.provider.*" entry through the provider (as ocicrypt-rs does, any provider name).
// FailedPrecondition "no decryption key for layer <layer_digest>: …" (with the reason per
// attempt, no secrets) when nothing fits; PermissionDenied, Unavailable, Internal and
// DeadlineExceeded from the provider are returned as they are. InvalidArgument if the layer has
// no wrapped keys or the unwrapped private options are malformed.
Result<LayerKey> UnwrapLayerKey(const Annotations& annotations, const DecryptionKeys& keys,
                                std::string_view layer_digest);

}  // namespace cocoon::image
