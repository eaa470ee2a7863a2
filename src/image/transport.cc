// Transport dispatch (docker://, oci:), the registry-backed source and destination, index
// resolution and concurrent blob fetching.
#include "image/transport.h"

#include <algorithm>
#include <cstring>

#include "base/limits.h"
#include "image/oci_layout.h"

namespace cocoon::image {
namespace {

class RegistrySource final : public ImageSource {
 public:
  explicit RegistrySource(std::unique_ptr<RegistryClient> client) : client_(std::move(client)) {}
  Result<RawManifest> GetManifest(const std::optional<Digest>& digest) override {
    return client_->GetManifest(digest ? digest->String() : client_->reference().ManifestRef());
  }
  Status FetchBlob(const Descriptor& d, Sink& sink) override { return client_->FetchBlob(d, sink); }
  std::string Name() const override {
    return TransportRef::Docker(client_->reference().String()).String();
  }

 private:
  std::unique_ptr<RegistryClient> client_;
};

class RegistryDestination final : public ImageDestination {
 public:
  explicit RegistryDestination(std::unique_ptr<RegistryClient> client)
      : client_(std::move(client)) {}
  Status PutBlob(const Descriptor& d, Source& source) override {
    return client_->PushBlob(d, source);
  }
  Result<Digest> PutManifest(ByteSpan bytes, std::string_view media_type,
                             std::string_view tag) override {
    const Reference& ref = client_->reference();
    Digest digest = Digest::Of(bytes);
    if (tag.empty() && ref.digest && Digest::Of(bytes, ref.digest->algorithm) != *ref.digest) {
      return InvalidArgument("manifest digest " + digest.String() + " differs from " +
                             ref.digest->String() + " in the destination reference");
    }
    std::string target = !tag.empty()       ? std::string(tag)
                         : !ref.tag.empty() ? ref.tag
                                            : digest.String();
    return client_->PutManifest(bytes, media_type, target);
  }
  std::string Name() const override {
    return TransportRef::Docker(client_->reference().String()).String();
  }

 private:
  std::unique_ptr<RegistryClient> client_;
};

Result<std::unique_ptr<RegistryClient>> OpenRegistry(const TransportRef& t,
                                                     const RegistryOptions& options) {
  ASSIGN_OR_RETURN(Reference ref, t.DockerReference());
  return RegistryClient::Create(ref, options);
}

}  // namespace

Result<size_t> BytesSource::Read(std::span<uint8_t> buffer) {
  size_t n = std::min(buffer.size(), data_.size() - pos_);
  if (n > 0) std::memcpy(buffer.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Status BytesSink::Write(std::span<const uint8_t> data) {
  if (bytes_.size() + data.size() > max_) {
    return ResourceExhausted("content exceeds " + std::to_string(max_) + " bytes");
  }
  bytes_.insert(bytes_.end(), data.begin(), data.end());
  return Ok();
}

Result<std::unique_ptr<ImageSource>> OpenImageSource(std::string_view transport_ref,
                                                     const RegistryOptions& options) {
  ASSIGN_OR_RETURN(TransportRef t, ParseTransportRef(transport_ref));
  return OpenImageSource(t, options);
}

Result<std::unique_ptr<ImageSource>> OpenImageSource(const TransportRef& t,
                                                     const RegistryOptions& options) {
  if (!t.is_docker()) return OpenOciLayoutSource(t.Layout());
  ASSIGN_OR_RETURN(auto client, OpenRegistry(t, options));
  return std::unique_ptr<ImageSource>(new RegistrySource(std::move(client)));
}

Result<std::unique_ptr<ImageDestination>> OpenImageDestination(std::string_view transport_ref,
                                                               const RegistryOptions& options) {
  ASSIGN_OR_RETURN(TransportRef t, ParseTransportRef(transport_ref));
  return OpenImageDestination(t, options);
}

Result<std::unique_ptr<ImageDestination>> OpenImageDestination(const TransportRef& t,
                                                               const RegistryOptions& options) {
  if (!t.is_docker()) return OpenOciLayoutDestination(t.Layout());
  ASSIGN_OR_RETURN(auto client, OpenRegistry(t, options));
  return std::unique_ptr<ImageDestination>(new RegistryDestination(std::move(client)));
}

Result<ResolvedImage> ResolveImage(ImageSource& source, const Platform& platform) {
  ResolvedImage out;
  ASSIGN_OR_RETURN(out.raw, source.GetManifest(std::nullopt));
  if (IsIndexMediaType(out.raw.media_type)) {
    ASSIGN_OR_RETURN(Index index, ParseIndex(out.raw.bytes, out.raw.media_type));
    ASSIGN_OR_RETURN(Descriptor chosen, SelectPlatform(index, platform));
    ASSIGN_OR_RETURN(RawManifest child, source.GetManifest(chosen.digest));
    if (child.bytes.size() != chosen.size) {
      return DataLoss(source.Name() + ": manifest " + chosen.digest.String() + " has " +
                      std::to_string(child.bytes.size()) + " bytes, the index says " +
                      std::to_string(chosen.size));
    }
    if (!IsManifestMediaType(child.media_type)) {
      return InvalidArgument(source.Name() + ": index entry for " + platform.String() +
                             " is not an image manifest (" + child.media_type + ")");
    }
    out.index_digest = out.raw.digest;
    out.raw = std::move(child);
  }
  auto m = ParseManifest(out.raw.bytes, out.raw.media_type);
  if (!m) return std::unexpected(m.error().WithContext(source.Name()));
  out.manifest = std::move(*m);
  return out;
}

Result<ImageConfig> FetchConfig(ImageSource& source, const Manifest& manifest) {
  if (manifest.config.size > limits::kImageConfigMaxBytes) {
    return ResourceExhausted(source.Name() + ": config is larger than the limit");
  }
  BytesSink sink(limits::kImageConfigMaxBytes);
  TRY(source.FetchBlob(manifest.config, sink));
  return ParseImageConfig(sink.bytes());
}

ConcurrentFetcher::ConcurrentFetcher(size_t count, size_t parallelism,
                                     std::function<Status(size_t)> fetch)
    : fetch_(std::move(fetch)), status_(count) {
  size_t threads = std::max<size_t>(1, std::min(parallelism, count));
  for (size_t t = 0; t < threads; ++t) workers_.emplace_back([this] { Work(); });
}

ConcurrentFetcher::~ConcurrentFetcher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  for (auto& w : workers_) w.join();
}

Status ConcurrentFetcher::Wait(size_t i) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return status_[i].has_value(); });
  return *status_[i];
}

void ConcurrentFetcher::Work() {
  for (;;) {
    size_t i;
    {
      std::lock_guard lock(mu_);
      if (stop_ || next_ >= status_.size()) return;
      i = next_++;
    }
    Status st = fetch_(i);
    std::lock_guard lock(mu_);
    status_[i] = std::move(st);
    cv_.notify_all();
  }
}

Status FetchBlobs(ImageSource& source, const std::vector<Descriptor>& blobs,
                  const std::function<Result<std::unique_ptr<Sink>>(size_t)>& make_sink,
                  size_t parallelism) {
  ConcurrentFetcher fetcher(blobs.size(), parallelism, [&](size_t i) -> Status {
    ASSIGN_OR_RETURN(auto sink, make_sink(i));
    return source.FetchBlob(blobs[i], *sink);
  });
  Status first = Ok();
  for (size_t i = 0; i < blobs.size(); ++i) {
    Status st = fetcher.Wait(i);
    if (!st && first) first = std::move(st);
  }
  return first;
}

}  // namespace cocoon::image
