// The SNP verifier's on-disk caches (VCEKs, CRLs): files written whole or not at all.
#pragma once

#include <filesystem>

#include "base/bytes.h"
#include "base/error.h"

namespace cocoon::tee::snp::internal {

// Writes `data` to a temporary file beside `path` and renames it into place (creating the
// directories), so a concurrent reader never sees half a file. Unavailable naming the path.
Status WriteAtomically(const std::filesystem::path& path, ByteSpan data);

}  // namespace cocoon::tee::snp::internal
