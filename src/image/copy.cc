// CopyImage: per blob, a producer thread runs FetchBlob into a bounded pipe while this thread
// pushes (or transforms into an unlinked temp file, then pushes) from the other end.
#include "image/copy.h"

#include <cstdlib>
#include <thread>

#include "image/internal/temp_blob_file.h"
#include "image/layer/pipe.h"

namespace cocoon::image {
namespace {

using internal::TempBlobFile;

std::string TempDir(const CopyOptions& o) {
  if (!o.temp_dir.empty()) return o.temp_dir;
  const char* env = std::getenv("TMPDIR");
  return env && *env ? env : "/tmp";
}

// Runs `consume` on the reading end of a pipe that source.FetchBlob(d) fills on another thread.
// The consumer's error wins unless the producer failed first for a reason of its own.
Status Streamed(ImageSource& source, const Descriptor& d, size_t pipe_bytes,
                const std::function<Status(Source&)>& consume) {
  Pipe pipe(pipe_bytes);
  Status fetched = Ok();
  std::jthread producer([&] {
    fetched = source.FetchBlob(d, pipe.writer());  // finishes the writer on success
    if (!fetched) pipe.Abort(fetched.error());
  });
  Status consumed = consume(pipe.reader());
  if (!consumed) pipe.Abort(Error(Code::kFailedPrecondition, "blob consumer stopped reading"));
  producer.join();
  if (consumed) return Ok();
  if (!fetched && fetched.error().code() != Code::kFailedPrecondition) return fetched;
  return consumed;
}

Status CopyBlob(ImageSource& source, ImageDestination& dest, const Descriptor& d,
                size_t pipe_bytes) {
  Status st = Streamed(source, d, pipe_bytes, [&](Source& in) { return dest.PutBlob(d, in); });
  if (!st) return std::unexpected(st.error().WithContext("copying blob " + d.digest.String()));
  return Ok();
}

Result<Descriptor> TransformLayer(ImageSource& source, ImageDestination& dest,
                                  const Descriptor& layer, const CopyOptions& o) {
  const std::string what = "layer " + layer.digest.String();
  ASSIGN_OR_RETURN(auto staged, TempBlobFile::Create(TempDir(o)));
  Descriptor out;
  Status st = Streamed(source, layer, o.pipe_bytes, [&](Source& in) -> Status {
    auto r = o.transform(layer, in, *staged);
    if (!r) return std::unexpected(r.error());
    out = std::move(*r);
    return Ok();
  });
  if (!st) return std::unexpected(st.error().WithContext(what));
  TRY(staged->Rewind());
  st = dest.PutBlob(out, *staged);
  if (!st) return std::unexpected(st.error().WithContext("pushing transformed " + what));
  for (const auto& [k, v] : layer.annotations) out.annotations.emplace(k, v);
  out.urls = layer.urls;
  return out;
}

// Transformed layers carry OCI media types, so a Docker manifest becomes an OCI one.
void ToOci(Manifest& m) {
  m.media_type = std::string(media::kOciManifest);
  if (m.config.media_type == media::kDockerConfig) {
    m.config.media_type = std::string(media::kOciConfig);
  }
}

}  // namespace

Result<CopyResult> CopyImage(ImageSource& source, ImageDestination& destination,
                             const CopyOptions& o) {
  ASSIGN_OR_RETURN(ResolvedImage image, ResolveImage(source, o.platform));
  if (o.check) TRY(o.check(image.manifest));
  TRY(CopyBlob(source, destination, image.manifest.config, o.pipe_bytes));

  CopyResult result{.manifest = image.manifest, .source_digest = image.raw.digest};
  for (Descriptor& layer : result.manifest.layers) {
    if (!o.transform) {
      TRY(CopyBlob(source, destination, layer, o.pipe_bytes));
      continue;
    }
    ASSIGN_OR_RETURN(layer, TransformLayer(source, destination, layer, o));
  }
  Bytes bytes = image.raw.bytes;
  result.media_type = image.raw.media_type;
  if (o.transform) {
    ToOci(result.manifest);
    bytes = ToBytes(SerializeManifest(result.manifest));
    result.media_type = result.manifest.media_type;
  }
  auto digest = destination.PutManifest(bytes, result.media_type);
  if (!digest) return std::unexpected(digest.error().WithContext("writing the manifest"));
  result.manifest_digest = *digest;
  return result;
}

}  // namespace cocoon::image
