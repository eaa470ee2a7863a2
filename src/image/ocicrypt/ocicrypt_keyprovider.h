// ocicrypt key providers (spec §4.5, §4.6): the CoCo "attestation-agent" AnnotationPacket
// {"kid","wrapped_data","iv","wrap_type"} that wraps the private options with a KEK fetched by
// key id, the KeyProvider interface that fetches KEKs, and the keyprovider protocol JSON.
// Packets and protocol replies are untrusted; KEKs are trusted as returned by the provider.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/secret_bytes.h"

namespace cocoon::image {

// Source of key-encryption keys by key id (a KBS resource URI such as "kbs:///default/key/1").
class KeyProvider {
 public:
  virtual ~KeyProvider();
  // NotFound if the provider has no such key; PermissionDenied / Unavailable from a remote
  // provider (KBS) are passed through to the caller of UnwrapLayerKey.
  virtual Result<crypto::SecretBytes> GetKey(std::string_view kid) = 0;
};

// "kbs:///default/key/1", "kbs://host:8080/default/key/1" or "/default/key/1" → "default/key/1".
// InvalidArgument unless the path is repo/type/tag, each segment [A-Za-z0-9._-]+ and not "." or
// ".." (so it is safe to use under a directory).
Result<std::string> KidResourcePath(std::string_view kid);

// KEKs held in memory (keyed by resource path) and/or read from `dir`/<repo>/<type>/<tag>.
class LocalKeyProvider final : public KeyProvider {
 public:
  LocalKeyProvider() = default;
  explicit LocalKeyProvider(std::string directory) : directory_(std::move(directory)) {}
  // `kid` as accepted by KidResourcePath. InvalidArgument for a malformed kid.
  Status Add(std::string_view kid, crypto::SecretBytes key);
  Result<crypto::SecretBytes> GetKey(std::string_view kid) override;

 private:
  std::map<std::string, crypto::SecretBytes> keys_;
  std::optional<std::string> directory_;
};

struct AnnotationPacket {
  std::string kid;
  Bytes wrapped_data;  // ciphertext || 16-byte GCM tag (A256GCM)
  Bytes iv;            // 12 bytes (A256GCM) or 16 (A256CTR)
  std::string wrap_type = "A256GCM";
};
// {"kid":…,"wrapped_data":"<b64>","iv":"<b64>","wrap_type":"A256GCM"} (coco_keyprovider order).
std::string SerializeAnnotationPacket(const AnnotationPacket& packet);
// Accepts v1 and v2 packets; InvalidArgument naming the field on malformed input, Unimplemented
// for a provider other than "kbs".
Result<AnnotationPacket> ParseAnnotationPacket(ByteSpan json);

// The bytes that become one "…enc.keys.provider.attestation-agent" entry (before base64):
// AES-256-GCM(kek, random 12-byte iv, private_opts). InvalidArgument unless kek is 32 bytes.
Result<Bytes> WrapForKeyProvider(std::string_view kid, const crypto::SecretBytes& kek,
                                 ByteSpan private_opts);
// Parses the packet, fetches its KEK from `provider` and decrypts (A256GCM, or A256CTR as CDH
// allows). Unauthenticated if the GCM tag does not verify; provider errors are passed through.
Result<crypto::SecretBytes> UnwrapWithKeyProvider(ByteSpan packet_json, KeyProvider& provider);

// Keyprovider protocol documents, as Go ocicrypt writes them ([]byte as base64 std).
// `params` is the opaque text after "provider:<name>:", e.g. "keyid=kbs:///default/key/1::
// algorithm=A256GCM"; empty means "Enabled".
std::string KeyWrapRequest(std::string_view provider_name, std::string_view params,
                           ByteSpan private_opts);
std::string KeyUnwrapRequest(ByteSpan annotation_bytes);
// Replies: byte fields may be base64 strings (Go) or number arrays (CoCo Rust); both accepted.
// InvalidArgument on malformed replies.
Result<Bytes> ParseKeyWrapResponse(std::string_view json);
Result<crypto::SecretBytes> ParseKeyUnwrapResponse(std::string_view json);

}  // namespace cocoon::image
