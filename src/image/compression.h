// Layer compression algorithms (OCI media-type suffixes +gzip, +zstd, none).
#pragma once

namespace cocoon::image {

enum class Compression { kNone, kGzip, kZstd };

}  // namespace cocoon::image
