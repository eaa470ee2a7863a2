// Evaluates containers-policy.json for one image: picks the most specific scope and requires
// every requirement in it to pass. Signatures come from a SignatureProvider (untrusted); keys
// come from the (trusted) policy.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "image/digest.h"
#include "image/signature/cosign.h"
#include "image/signature/signature_policy.h"
#include "image/signature/signed_identity.h"

namespace cocoon::image {

// Where signatures for an image come from (lookaside store, registry `.sig` tag, …).
class SignatureProvider {
 public:
  virtual ~SignatureProvider() = default;
  // Opaque OpenPGP simple signatures for the manifest `manifest_digest` of `id`.
  virtual Result<std::vector<Bytes>> SimpleSignatures(const ImageIdentity& id,
                                                      const Digest& manifest_digest) = 0;
  // cosign signatures from the `<alg>-<hex>.sig` tag of `id`'s repository.
  virtual Result<std::vector<CosignSignature>> CosignSignatures(const ImageIdentity& id,
                                                                const Digest& manifest_digest) = 0;
};

struct SelectedScope {
  std::string name;  // `transports.docker["scope"]`, `transports.docker[""]` or `default`
  const PolicyRequirements* requirements = nullptr;
};

// The requirements that apply to `id`: exact reference, repository, parent namespaces, host,
// wildcard domains, the transport default "", then `default`.
SelectedScope SelectScope(const ContainersPolicy& policy, const ImageIdentity& id);

// Ok if every requirement of the selected scope accepts the image whose manifest bytes are
// `manifest`. PermissionDenied naming the scope and the reason otherwise ("A signature was
// required, but no signature exists", "no signature is accepted: …", "signed identity … does
// not match …"). Key files that cannot be read are reported as their own errors; a manifest that
// does not match id.digest is DataLoss.
Status EvaluatePolicy(const ContainersPolicy& policy, const ImageIdentity& id, ByteSpan manifest,
                      SignatureProvider& signatures);

}  // namespace cocoon::image
