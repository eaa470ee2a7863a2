// cosign signatures stored in a registry through RegistryClient: reading the `sha256-<hex>.sig`
// tag (a CosignFetcher for policy evaluation) and appending a signature to it. What the
// registry returns is untrusted: blobs are digest-checked, signatures verified by the policy.
#pragma once

#include <vector>

#include "base/error.h"
#include "image/registry/registry_client.h"
#include "image/signature/cosign.h"
#include "image/signature/lookaside.h"

namespace cocoon::image {

// The signatures in `client`'s repository for `manifest_digest`; empty if the `.sig` tag does
// not exist. DataLoss for blobs that do not match, InvalidArgument for a malformed `.sig`.
Result<std::vector<CosignSignature>> FetchCosignSignatures(RegistryClient& client,
                                                           const Digest& manifest_digest);

// Appends `sig` to the existing signatures (other attachment layers are not kept) and pushes
// the `.sig` image: payload and config blobs, then the manifest. Returns the tag written.
Result<std::string> PushCosignSignature(RegistryClient& client, const Digest& manifest_digest,
                                        const CosignSignature& sig);

// A CosignFetcher that opens a client for the identity's repository with `options`.
CosignFetcher MakeRegistryCosignFetcher(RegistryOptions options);

}  // namespace cocoon::image
