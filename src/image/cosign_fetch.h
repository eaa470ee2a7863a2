// Cosign signatures from the registry: the `sha256-<hex>.sig` tag of the signed image's
// repository (no tag: no signatures). Registry content is untrusted; parsing is cosign.h's.
#pragma once

#include "image/lookaside.h"
#include "image/registry_client.h"

namespace cocoon::image {

// A CosignFetcher for LookasideSignatureProvider that reads `.sig` tags through a
// RegistryClient made with `options`. Only docker-transport identities have cosign signatures.
CosignFetcher MakeRegistryCosignFetcher(RegistryOptions options);

}  // namespace cocoon::image
