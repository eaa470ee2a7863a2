// The "oci:" transport: an OCI image layout directory (oci-layout, index.json, blobs/<alg>/<hex>).
// A layout read from disk is untrusted like a registry: index.json is size-limited and every
// blob is digest-checked. Writes are atomic (temp file + rename).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "image/transport.h"

namespace cocoon::image {

// dir + tag from "DIR[:TAG]" (split at the first ':', as containers/image does on Linux).
struct OciLayoutRef {
  std::string dir;
  std::string tag;  // empty: the only manifest in index.json
};
OciLayoutRef ParseOciLayoutRef(std::string_view text);

// NotFound if the directory has no index.json.
Result<std::unique_ptr<ImageSource>> OpenOciLayoutSource(const OciLayoutRef& ref);
// Creates the layout (directory, oci-layout, empty index.json) if needed.
Result<std::unique_ptr<ImageDestination>> OpenOciLayoutDestination(const OciLayoutRef& ref);

}  // namespace cocoon::image
