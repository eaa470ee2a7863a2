// Copying one image between transports (what `skopeo copy` does for a single platform): blobs
// are streamed source → destination with bounded memory, layers optionally rewritten (e.g.
// encrypted), the manifest rewritten and written last. Source content is untrusted and
// digest-checked by the source; the transform and destination are the caller's.
#pragma once

#include <functional>
#include <string>

#include "base/error.h"
#include "image/manifest.h"
#include "image/stream.h"
#include "image/transport.h"

namespace cocoon::image {

// Rewrites one layer: reads the source blob from `in` to its end, writes the new blob to `out`
// and returns its descriptor (media type, digest and size of what it wrote; annotations to add).
using LayerTransform =
    std::function<Result<Descriptor>(const Descriptor& layer, Source& in, Sink& out)>;

struct CopyOptions {
  Platform platform = HostPlatform();  // picks the entry of an index source (as ResolveImage)
  LayerTransform transform{};          // none: blobs and manifest bytes are copied unchanged
  // Called with the source manifest before anything is written (e.g. to refuse layers the
  // transform cannot handle).
  std::function<Status(const Manifest&)> check{};
  std::string temp_dir{};  // transformed layers are staged here; empty: $TMPDIR or /tmp
  size_t pipe_bytes = 1 << 20;
};

struct CopyResult {
  Digest manifest_digest{};  // of the manifest written to the destination
  std::string media_type{};
  Manifest manifest{};
  Digest source_digest{};  // of the source's (platform) manifest
};

// Copies the image. With a transform the manifest is re-serialised (a Docker schema-2 manifest
// becomes OCI, since the transformed layers carry OCI media types); without one the manifest
// bytes are written as they were. Errors from the source (NotFound, DataLoss …), the transform
// and the destination are returned with the blob they concern.
Result<CopyResult> CopyImage(ImageSource& source, ImageDestination& destination,
                             const CopyOptions& options);

}  // namespace cocoon::image
