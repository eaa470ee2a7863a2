// `cocoon image inspect`: a skopeo-inspect-like JSON summary of an image, plus what protects
// each layer (ocicrypt recipient schemes and key ids). Everything summarised is untrusted
// registry content; it is described, never acted on.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "image/manifest.h"
#include "image/ocicrypt/ocicrypt.h"
#include "image/transport.h"

namespace cocoon::image {

// One entry per wrapped key in the layer's "…enc.keys.*" annotations: "jwe:<alg>" per JWE
// recipient, "provider:<name>:<kid>" for key-provider packets that name a kid, else the scheme
// ("pgp", "pkcs7", "jwe:?" if undecodable). Never fails: malformed entries are described.
std::vector<std::string> DescribeLayerKeys(const Annotations& annotations);

// {"Name","Digest","RepoTags":[],"Created","DockerVersion","Labels","Architecture","Variant",
//  "Os","Layers":[digests],"LayersData":[{"MIMEType","Digest","Size","Annotations",
//  "Encrypted","EncryptionKeys"}],"Env"}. Digest is the manifest (or index) the reference
// names; an index is resolved to `platform`'s manifest for the rest.
Result<OrderedJson> InspectImage(ImageSource& source, const Platform& platform);

}  // namespace cocoon::image
