// The "oci:" transport: an OCI image layout directory (oci-layout, index.json, blobs/<alg>/<hex>).
// A layout read from disk is untrusted like a registry: index.json is size-limited and every
// blob is digest-checked. Writes are atomic (temp file + rename).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"
#include "image/manifest.h"
#include "image/stream.h"
#include "image/transport.h"
#include "image/transport_ref.h"

namespace cocoon::image {

// The blobs/ directory of an OCI image layout as a content-addressed store
// (`<dir>/blobs/<alg>/<hex>`): what the oci: transport reads and writes, and the pull's layer
// cache. A blob appears under its name only once it is complete (temp file + fsync + rename) and
// is digest-checked on every read, since anyone with access to the directory could change it.
class BlobStore {
 public:
  explicit BlobStore(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }
  std::string BlobPath(const Digest& d) const;
  // A file of d.size bytes is stored under d.digest (its content is checked when it is read).
  bool Has(const Descriptor& d) const;
  // Streams blob `d` into `sink` and finishes it: NotFound if absent, ResourceExhausted above the
  // layer size limit, DataLoss if its digest or size differ (the sink is then not finished).
  Status Read(const Descriptor& d, Sink& sink) const;
  // A sink that stores blob `digest` (creating blobs/<alg>/) when it is finished. It does not
  // check the bytes: feed it from ImageSource::FetchBlob, which finishes only after the digest
  // matched, or through a DigestingSink.
  Result<std::unique_ptr<Sink>> Writer(const Digest& digest) const;
  // Stores exactly d.size bytes from `source`; DataLoss (nothing stored) if they do not hash to
  // d.digest. A blob already stored (Has) is kept and `source` not read.
  Status Put(const Descriptor& d, Source& source) const;

 private:
  std::string dir_;
};

// NotFound if the directory has no index.json.
Result<std::unique_ptr<ImageSource>> OpenOciLayoutSource(const OciLayoutRef& ref);
// Creates the layout (directory, oci-layout, empty index.json) if needed.
Result<std::unique_ptr<ImageDestination>> OpenOciLayoutDestination(const OciLayoutRef& ref);

}  // namespace cocoon::image
