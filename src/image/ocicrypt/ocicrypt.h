// ocicrypt vocabulary (containers/ocicrypt, spec §4): encrypted media types, layer annotation
// names, and the public/private options JSON exactly as Go's json.Marshal writes them. Parsers
// take untrusted annotation text from manifests or from unwrapped key material.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/secret_bytes.h"

namespace cocoon::image {

using Annotations = std::map<std::string, std::string>;

inline constexpr std::string_view kEncKeysPrefix = "org.opencontainers.image.enc.keys.";
inline constexpr std::string_view kEncKeysJwe = "org.opencontainers.image.enc.keys.jwe";
inline constexpr std::string_view kEncKeysProviderPrefix =
    "org.opencontainers.image.enc.keys.provider.";
inline constexpr std::string_view kEncPubopts = "org.opencontainers.image.enc.pubopts";
inline constexpr std::string_view kAttestationAgent = "attestation-agent";
inline constexpr std::string_view kCipherAesCtrHmac = "AES_256_CTR_HMAC_SHA256";
inline constexpr size_t kSymKeyBytes = 32;
inline constexpr size_t kNonceBytes = 16;
inline constexpr size_t kHmacBytes = 32;

// "…tar[+gzip|+zstd]" (OCI and nondistributable) and "…+wasm" → the same + "+encrypted"; the
// Docker "…rootfs.diff.tar.gzip" → OCI "tar+gzip+encrypted". InvalidArgument for other types
// (including already-encrypted ones).
Result<std::string> EncryptedMediaType(std::string_view plain);
// Inverse: strips "+encrypted". InvalidArgument if `encrypted` is not an encrypted layer type.
Result<std::string> DecryptedMediaType(std::string_view encrypted);
bool IsEncryptedMediaType(std::string_view media_type);
// True if any "org.opencontainers.image.enc.keys.*" annotation is present.
bool HasEncryptionKeys(const Annotations& annotations);

// Everything needed to decrypt one layer (the unwrapped private options).
struct LayerKey {
  crypto::SecretBytes symkey;  // 32 bytes
  Bytes nonce;                 // 16 bytes: the full initial AES-CTR counter block
  std::string digest;          // "sha256:…" of the plaintext (compressed) blob; may be empty
  LayerKey Clone() const { return {symkey.Clone(), nonce, digest}; }
};

// {"symkey":"<b64>","digest":"…","cipheroptions":{"nonce":"<b64>"}} (Go field order).
crypto::SecretBytes SerializePrivateOptions(const LayerKey& key);
// InvalidArgument naming the field unless symkey is 32 bytes and nonce 16 (base64 std). The
// message never contains key material.
Result<LayerKey> ParsePrivateOptions(ByteSpan json);

struct PublicOptions {
  std::string cipher = std::string(kCipherAesCtrHmac);
  Bytes hmac;  // 32 bytes
};
// {"cipher":"AES_256_CTR_HMAC_SHA256","hmac":"<b64>","cipheroptions":{}}
std::string SerializePublicOptions(const PublicOptions& opts);
// InvalidArgument unless cipher is AES_256_CTR_HMAC_SHA256 and hmac decodes to 32 bytes.
Result<PublicOptions> ParsePublicOptions(ByteSpan json);
// Reads and parses the base64 "…enc.pubopts" annotation. InvalidArgument if absent or malformed.
Result<PublicOptions> PublicOptionsFromAnnotations(const Annotations& annotations);

// An annotation value: comma-separated base64 std entries. InvalidArgument naming `what` if
// an entry is not base64 or there are more than limits::kOcicryptMaxWrappedKeys.
Result<std::vector<Bytes>> SplitAnnotationList(std::string_view value, std::string_view what);

}  // namespace cocoon::image
