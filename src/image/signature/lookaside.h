// Simple signatures in a lookaside store (file:// or http(s):// as registries.d configures),
// and signing into it. Fetched signatures are untrusted; they are verified by the policy.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "image/signature/registries_d.h"
#include "image/signature/signature_policy_eval.h"

namespace cocoon::image {

// Signatures signature-1, signature-2, … under `base` until the first missing one (at most
// kSignaturesPerImageMax, each at most kSignatureMaxBytes). A missing first signature is an
// empty list. InvalidArgument for unsupported URL schemes; Unavailable for transport errors
// and HTTP statuses other than 200/404.
Result<std::vector<Bytes>> FetchLookasideSignatures(std::string_view base, const ImageIdentity& id,
                                                    const Digest& manifest_digest);

using CosignFetcher = std::function<Result<std::vector<CosignSignature>>(
    const ImageIdentity&, const Digest& manifest_digest)>;

// SignatureProvider over registries.d lookaside stores; cosign signatures come from `cosign`
// (the registry's `.sig` tag; the registry client plugs in here), or none when it is empty.
class LookasideSignatureProvider final : public SignatureProvider {
 public:
  explicit LookasideSignatureProvider(RegistriesConfig config, CosignFetcher cosign = {})
      : config_(std::move(config)), cosign_(std::move(cosign)) {}
  Result<std::vector<Bytes>> SimpleSignatures(const ImageIdentity& id,
                                              const Digest& manifest_digest) override;
  Result<std::vector<CosignSignature>> CosignSignatures(const ImageIdentity& id,
                                                        const Digest& manifest_digest) override;

 private:
  RegistriesConfig config_;
  CosignFetcher cosign_;
};

// A simple signature ("atomic container signature" payload, identity `docker_reference`, e.g.
// "127.0.0.1:5000/coco/app:v1") made with GPG key `fingerprint` from `gnupg_home`.
Result<Bytes> SignSimple(const std::string& fingerprint, const std::string& gnupg_home,
                         std::string_view docker_reference, const Digest& manifest_digest);

// Stores `signature` as the next free signature-N in the staging lookaside of `id` (file://
// only: Unimplemented otherwise). Returns the path written.
Result<std::string> WriteLookasideSignature(const RegistriesConfig& config, const ImageIdentity& id,
                                            const Digest& manifest_digest, ByteSpan signature);

}  // namespace cocoon::image
