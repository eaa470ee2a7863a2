// Image transports in skopeo's conventions: "docker://REF" (a registry) and "oci:DIR[:TAG]" (an
// OCI image layout; references parsed by transport_ref.h). Sources and destinations move manifests
// and blobs; every blob read is digest-checked. Transport strings come from the user; the content
// behind them is untrusted.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "image/manifest.h"
#include "image/registry/registry_client.h"
#include "image/stream.h"
#include "image/transport_ref.h"

namespace cocoon::image {

// Where images are read from. Implementations are thread-safe for concurrent FetchBlob calls.
class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // The manifest (or index) the reference names when `digest` is empty, else the one with
  // that digest (checked: DataLoss on mismatch). NotFound if absent.
  virtual Result<RawManifest> GetManifest(const std::optional<Digest>& digest) = 0;
  // Streams the blob into `sink` and finishes it; DataLoss if digest or size differ (the sink
  // is then not finished).
  virtual Status FetchBlob(const Descriptor& d, Sink& sink) = 0;
  // "docker://host/repo:tag" or "oci:dir:tag", for messages and signature identities.
  virtual std::string Name() const = 0;
};

// Where images are written to: blobs first, then the manifest that names them.
class ImageDestination {
 public:
  virtual ~ImageDestination() = default;
  // Stores exactly d.size bytes from `source`; DataLoss if they do not hash to d.digest.
  virtual Status PutBlob(const Descriptor& d, Source& source) = 0;
  // Stores a manifest or index; `tag` empty means the destination reference's own tag (or
  // none). Returns the manifest's digest.
  virtual Result<Digest> PutManifest(ByteSpan bytes, std::string_view media_type,
                                     std::string_view tag = {}) = 0;
  virtual std::string Name() const = 0;
};

// A Source over bytes in memory (manifests, configs, small blobs).
class BytesSource final : public Source {
 public:
  explicit BytesSource(ByteSpan data) : data_(data) {}
  Result<size_t> Read(std::span<uint8_t> buffer) override;

 private:
  ByteSpan data_;
  size_t pos_ = 0;
};

// A Sink that appends to a byte vector, failing past `max` bytes (ResourceExhausted).
class BytesSink final : public Sink {
 public:
  explicit BytesSink(size_t max) : max_(max) {}
  Status Write(std::span<const uint8_t> data) override;
  Status Finish() override { return Ok(); }
  Bytes& bytes() { return bytes_; }

 private:
  size_t max_;
  Bytes bytes_{};
};

// "docker://REF" or "oci:DIR[:TAG]" (transport_ref.h); InvalidArgument for other transports or
// bad references.
Result<std::unique_ptr<ImageSource>> OpenImageSource(std::string_view transport_ref,
                                                     const RegistryOptions& options);
Result<std::unique_ptr<ImageSource>> OpenImageSource(const TransportRef& ref,
                                                     const RegistryOptions& options);
Result<std::unique_ptr<ImageDestination>> OpenImageDestination(std::string_view transport_ref,
                                                               const RegistryOptions& options);
Result<std::unique_ptr<ImageDestination>> OpenImageDestination(const TransportRef& ref,
                                                               const RegistryOptions& options);

struct ResolvedImage {
  RawManifest raw{};                     // the platform's image manifest
  Manifest manifest{};                   // parsed
  std::optional<Digest> index_digest{};  // the index it was selected from, if any
};
// Fetches the source's manifest; an index is followed to the entry for `platform`.
Result<ResolvedImage> ResolveImage(ImageSource& source, const Platform& platform);
// The config blob of a resolved image, digest-checked and parsed.
Result<ImageConfig> FetchConfig(ImageSource& source, const Manifest& manifest);

// Runs fetch(0) … fetch(count-1) on up to `parallelism` worker threads, started in index order,
// while the caller consumes the results in order: Wait(i) blocks until fetch(i) returned and
// gives its status. The destructor lets running calls finish but starts no new one, so a
// consumer that stops early (an error in layer 2) does not wait for every remaining download.
class ConcurrentFetcher {
 public:
  ConcurrentFetcher(size_t count, size_t parallelism, std::function<Status(size_t)> fetch);
  ConcurrentFetcher(const ConcurrentFetcher&) = delete;
  ConcurrentFetcher& operator=(const ConcurrentFetcher&) = delete;
  ~ConcurrentFetcher();
  Status Wait(size_t i);  // i < count

 private:
  void Work();

  std::function<Status(size_t)> fetch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::optional<Status>> status_;  // guarded by mu_
  size_t next_ = 0;                            // guarded by mu_
  bool stop_ = false;                          // guarded by mu_
  std::vector<std::thread> workers_;
};

// Fetches `blobs` with up to `parallelism` concurrent FetchBlob calls; make_sink(i) gives the
// sink for blobs[i] (called on the worker thread). Returns the first error (by index); the other
// transfers still run to completion or their own error.
Status FetchBlobs(ImageSource& source, const std::vector<Descriptor>& blobs,
                  const std::function<Result<std::unique_ptr<Sink>>(size_t)>& make_sink,
                  size_t parallelism = 3);

}  // namespace cocoon::image
