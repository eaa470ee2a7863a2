// Encrypting one layer blob for a set of recipients (what `skopeo copy --encryption-key` does
// per layer): streams the plaintext through AES-256-CTR, publishes the HMAC in pubopts and wraps
// the private options for each recipient. The integrator rewrites the manifest descriptor from
// the result. Trusts its inputs (our own plaintext and keys).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "crypto/keys.h"
#include "crypto/secret_bytes.h"
#include "image/digest.h"
#include "image/ocicrypt/ocicrypt.h"
#include "image/stream.h"

namespace cocoon::image {

// A layer-key recipient: a JWE public key (RSA or EC), or a KEK registered under a key id for
// the attestation-agent key provider (e.g. "kbs:///default/key/1").
struct Recipient {
  static Recipient Jwe(crypto::PublicKey key);
  static Recipient AttestationAgent(std::string kid, crypto::SecretBytes kek);

  std::optional<crypto::PublicKey> jwe_key;
  std::string kid;
  std::shared_ptr<const crypto::SecretBytes> kek;
};

struct EncryptedLayer {
  std::string media_type;   // e.g. "application/vnd.oci.image.layer.v1.tar+zstd+encrypted"
  Digest digest;            // of the ciphertext blob written to `out`
  uint64_t size = 0;        // equal to the plaintext size (CTR)
  Annotations annotations;  // enc.keys.jwe and/or enc.keys.provider.attestation-agent, pubopts
};

// Reads `plaintext_blob` to its end, writes the ciphertext to `out` (and finishes it).
// `original_digest` is recorded in the private options (not re-checked here). All JWE recipients
// share one JWE (one "…keys.jwe" entry); each provider recipient adds one provider entry.
// InvalidArgument for no recipients or a media type that cannot be encrypted; source, sink
// and wrapping errors are passed through.
Result<EncryptedLayer> EncryptLayerStream(Source& plaintext_blob, Sink& out,
                                          const std::vector<Recipient>& recipients,
                                          const Digest& original_digest,
                                          std::string_view plain_media_type);

}  // namespace cocoon::image
