// cosign ("sigstore") signatures in the tag-based layout: the `sha256-<hex>.sig` tag holds an
// OCI manifest whose simplesigning layers are payloads, each with a base64 signature annotation.
// Everything fetched from the registry is untrusted until the signature verifies.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/keys.h"
#include "image/digest.h"
#include "image/signature/signature_payload.h"

namespace cocoon::image {

inline constexpr std::string_view kCosignPayloadMediaType =
    "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr std::string_view kCosignSignatureAnnotation = "dev.cosignproject.cosign/signature";

struct CosignSignature {
  Bytes payload;          // the layer blob (exact bytes that were signed)
  std::string signature;  // base64 (std) of the signature, as in the annotation
};

// What goes to the registry under CosignSignatureTag(): blobs first, then the manifest.
struct CosignSignatureImage {
  std::string tag;            // "sha256-<hex>.sig"
  Bytes config;               // OCI config blob (rootfs.diff_ids = payload digests)
  std::vector<Bytes> layers;  // payload blobs, one per signature
  Bytes manifest;             // OCI image manifest
};

// "sha256-<hex>.sig" for the signed image's manifest digest.
std::string CosignSignatureTag(const Digest& manifest_digest);

// Reads the signatures out of a `.sig` manifest. `fetch_blob` returns a blob by digest; each
// payload is checked against its descriptor digest (DataLoss) and kSignatureMaxBytes. Layers of
// other media types are ignored. InvalidArgument for a malformed manifest or a simplesigning
// layer without the signature annotation; ResourceExhausted past kSignaturesPerImageMax.
Result<std::vector<CosignSignature>> ParseCosignSignatureManifest(
    ByteSpan manifest, const std::function<Result<Bytes>(std::string_view digest)>& fetch_blob);

// Verifies `sig` with `key` (P-256/P-384/P-521 ECDSA with a DER signature, RSA PKCS#1 v1.5
// SHA-256, Ed25519), then parses the payload and checks its type and that its manifest digest
// is `manifest_digest`. Unauthenticated if the signature does not verify; InvalidArgument for a
// malformed payload; PermissionDenied if the digest differs. The identity is the caller's.
Result<SignaturePayload> VerifyCosignSignature(const crypto::PublicKey& key,
                                               const CosignSignature& sig,
                                               const Digest& manifest_digest);

// Signs a cosign payload (identity `docker_reference`, usually the repository without a tag).
Result<CosignSignature> SignCosign(const crypto::PrivateKey& key, std::string_view docker_reference,
                                   const Digest& manifest_digest);

// The `.sig` image holding `signatures` (existing ones plus a new one, in order).
CosignSignatureImage BuildCosignSignatureImage(const Digest& manifest_digest,
                                               const std::vector<CosignSignature>& signatures);

// A cosign private key: unencrypted PKCS#8 or SEC1/PKCS#1 PEM. The encrypted cosign format
// ("ENCRYPTED COSIGN PRIVATE KEY", scrypt + nacl/secretbox) is Unimplemented: decrypt it first.
Result<crypto::PrivateKey> LoadCosignPrivateKey(std::string_view pem);

}  // namespace cocoon::image
