#include "image/puller.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "base/encoding.h"
#include "image/digest.h"
#include "image/internal/file_io.h"
#include "image/layer/decompress.h"
#include "image/layer/pipe.h"
#include "image/oci_layout.h"
#include "image/ocicrypt/ocicrypt.h"
#include "image/ocicrypt/ocicrypt_stream.h"

namespace cocoon::image {
namespace {

void Say(const PullOptions& o, const std::string& line) {
  if (o.progress) o.progress(line);
}

std::string Short(const Digest& d) { return d.String().substr(0, 19); }

std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

Status CheckPolicy(ImageSource& source, const ResolvedImage& image, const PullOptions& o) {
  if (o.policy == nullptr) return Ok();
  if (o.signatures == nullptr) return Internal("a signature policy needs a signature provider");
  // Signatures cover the manifest the reference names: the index when there is one.
  if (image.index_digest) {
    ASSIGN_OR_RETURN(RawManifest top, source.GetManifest(*image.index_digest));
    return EvaluatePolicy(*o.policy, o.identity, top.bytes, *o.signatures);
  }
  return EvaluatePolicy(*o.policy, o.identity, image.raw.bytes, *o.signatures);
}

// The key material of one encrypted layer, unwrapped before any download starts.
struct LayerSecret {
  LayerKey key;
  std::string hmac_b64;
};

Result<std::vector<std::optional<LayerSecret>>> UnwrapKeys(const Manifest& m, const PullOptions& o,
                                                           size_t* encrypted) {
  std::vector<std::optional<LayerSecret>> out(m.layers.size());
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const Descriptor& d = m.layers[i];
    ASSIGN_OR_RETURN(LayerType type, ClassifyLayer(d.media_type));
    if (!type.encrypted) continue;
    ++*encrypted;
    if (o.keys == nullptr) {
      return FailedPrecondition("layer " + d.digest.String() +
                                " is encrypted and no decryption key was given");
    }
    ASSIGN_OR_RETURN(LayerKey key, UnwrapLayerKey(d.annotations, *o.keys, d.digest.String()));
    ASSIGN_OR_RETURN(PublicOptions pub, PublicOptionsFromAnnotations(d.annotations));
    out[i] = LayerSecret{std::move(key), base::Base64Encode(pub.hmac)};
  }
  return out;
}

// Keeps consuming a blob after the chain behind it failed, so that the blob's own digest check
// (done by the source once every byte is read) names the cause: a tampered blob reports its
// digest mismatch, not the decompressor's confusion. The source bounds the bytes to d.size.
class DrainOnErrorSink final : public Sink {
 public:
  explicit DrainOnErrorSink(Sink* next) : next_(next) {}
  Status Write(std::span<const uint8_t> data) override {
    if (!failed_) {
      if (auto st = next_->Write(data); !st) failed_ = st.error();
    }
    return Ok();
  }
  Status Finish() override {
    if (failed_) return std::unexpected(*failed_);
    return next_->Finish();
  }

 private:
  Sink* next_;
  std::optional<Error> failed_;
};

// Layer i through decrypt → (plain blob digest) → decompress → diff_id → pipe → unpack thread.
// `feed` pushes the stored blob bytes into the given sink and finishes it.
Result<UnpackStats> UnpackThroughChain(StagedRootfs& stage, const Descriptor& d,
                                       const Digest& diff_id,
                                       const std::optional<LayerSecret>& secret,
                                       const std::function<Status(Sink&)>& feed,
                                       const UnpackOptions& unpack) {
  ASSIGN_OR_RETURN(LayerType type, ClassifyLayer(d.media_type));
  Pipe pipe;
  Result<UnpackStats> unpacked = Internal("unpack did not run");
  std::thread consumer([&] {
    unpacked = stage.ApplyLayer(pipe.reader(), unpack);
    if (!unpacked) pipe.Abort(unpacked.error());
  });
  DigestingSink diff_check(diff_id, std::nullopt, &pipe.writer());
  DecompressingSink decompress(type.compression, &diff_check);
  Sink* head = &decompress;
  std::optional<DecryptingSink> decrypt;
  if (secret) {
    decrypt.emplace(secret->key, secret->hmac_b64, head);
    head = &*decrypt;
  }
  DrainOnErrorSink drain(head);
  Status fed = feed(drain);
  if (!fed) pipe.Abort(fed.error());
  consumer.join();
  if (!fed) return std::unexpected(fed.error().WithContext("layer " + d.digest.String()));
  if (!unpacked) return std::unexpected(unpacked.error().WithContext("layer " + d.digest.String()));
  return unpacked;
}

std::string BlobPath(const std::string& store, const Digest& d) {
  return store + "/blobs/" + std::string(crypto::HashAlgName(d.algorithm)) + "/" + d.hex;
}

// Writes a blob into the store: a temp file renamed into place by Finish, which the source
// calls only after the digest and size checked out.
class StoreBlobSink final : public Sink {
 public:
  static Result<std::unique_ptr<StoreBlobSink>> Create(const std::string& path) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    if (ec) return Internal("cannot create " + path + ": " + ec.message());
    std::string tmp = path + ".partial-" + std::to_string(::getpid()) + "-" +
                      std::to_string(reinterpret_cast<uintptr_t>(&path) & 0xffff);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Internal("cannot create " + tmp);
    return std::unique_ptr<StoreBlobSink>(new StoreBlobSink(fd, path, tmp));
  }
  ~StoreBlobSink() override {
    if (fd_ >= 0) ::close(fd_);
    if (!done_) ::unlink(tmp_.c_str());
  }
  Status Write(std::span<const uint8_t> data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Internal("write " + tmp_ + " failed");
      data = data.subspan(static_cast<size_t>(n));
    }
    return Ok();
  }
  Status Finish() override {
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
      fd_ = -1;
      return Internal("flushing " + tmp_ + " failed");
    }
    fd_ = -1;
    if (::rename(tmp_.c_str(), path_.c_str()) != 0)
      return Internal("rename to " + path_ + " failed");
    done_ = true;
    return Ok();
  }

 private:
  StoreBlobSink(int fd, std::string path, std::string tmp)
      : fd_(fd), path_(std::move(path)), tmp_(std::move(tmp)) {}
  int fd_;
  std::string path_, tmp_;
  bool done_ = false;
};

// Fetches layers into the store with `parallelism` workers; Wait(i) blocks until layer i is
// stored (or failed). Blobs already in the store are not fetched again.
class StoreFetcher {
 public:
  StoreFetcher(ImageSource& source, const std::string& store, std::vector<Descriptor> blobs,
               size_t parallelism)
      : source_(source), store_(store), blobs_(std::move(blobs)), status_(blobs_.size()) {
    size_t n = std::max<size_t>(1, std::min(parallelism, blobs_.size()));
    for (size_t t = 0; t < n; ++t) workers_.emplace_back([this] { Work(); });
  }
  ~StoreFetcher() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    for (auto& w : workers_) w.join();
  }
  Status Wait(size_t i) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return status_[i].has_value(); });
    return *status_[i];
  }

 private:
  void Work() {
    for (;;) {
      size_t i;
      {
        std::lock_guard lock(mu_);
        if (stop_ || next_ >= blobs_.size()) return;
        i = next_++;
      }
      Status st = FetchOne(blobs_[i]);
      std::lock_guard lock(mu_);
      status_[i] = std::move(st);
      cv_.notify_all();
    }
  }
  Status FetchOne(const Descriptor& d) {
    std::string path = BlobPath(store_, d.digest);
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) == d.size) {
      return Ok();  // stored by an earlier pull; re-verified when it is read
    }
    ASSIGN_OR_RETURN(auto sink, StoreBlobSink::Create(path));
    return source_.FetchBlob(d, *sink);
  }

  ImageSource& source_;
  std::string store_;
  std::vector<Descriptor> blobs_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::optional<Status>> status_;
  size_t next_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

// Reads a stored blob into `sink`, re-checking its digest on the way (the store is a directory
// anyone with access could have changed).
Status FeedFromStore(const std::string& store, const Descriptor& d, Sink& sink) {
  ASSIGN_OR_RETURN(internal::FileSource file,
                   internal::FileSource::Open(BlobPath(store, d.digest)));
  DigestingSink check(d.digest, d.size, &sink);
  TRY(file.CopyTo(check));
  return check.Finish();
}

struct Prepared {
  ResolvedImage image;
  ImageConfig config;
  std::vector<std::optional<LayerSecret>> secrets;
  size_t encrypted = 0;
};

Result<Prepared> Prepare(ImageSource& source, const PullOptions& o) {
  Prepared p;
  ASSIGN_OR_RETURN(p.image, ResolveImage(source, o.platform));
  Say(o, "manifest " + p.image.raw.digest.String() + " (" +
             std::to_string(p.image.manifest.layers.size()) + " layers)");
  TRY(CheckPolicy(source, p.image, o));
  if (o.policy != nullptr) Say(o, "signature policy: accepted");
  ASSIGN_OR_RETURN(p.config, FetchConfig(source, p.image.manifest));
  if (p.config.diff_ids.size() != p.image.manifest.layers.size()) {
    return InvalidArgument("image config lists " + std::to_string(p.config.diff_ids.size()) +
                           " diff_ids for " + std::to_string(p.image.manifest.layers.size()) +
                           " layers");
  }
  ASSIGN_OR_RETURN(p.secrets, UnwrapKeys(p.image.manifest, o, &p.encrypted));
  if (p.encrypted > 0) Say(o, "layer keys unwrapped: " + std::to_string(p.encrypted));
  return p;
}

}  // namespace

Result<PullResult> PullToBundle(ImageSource& source, const std::string& bundle_dir,
                                const PullOptions& o) {
  ASSIGN_OR_RETURN(Prepared p, Prepare(source, o));
  ASSIGN_OR_RETURN(StagedRootfs stage, StagedRootfs::Create(bundle_dir));
  const auto& layers = p.image.manifest.layers;
  std::optional<StoreFetcher> fetcher;
  if (!o.store_dir.empty()) fetcher.emplace(source, o.store_dir, layers, o.parallelism);
  PullResult result;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Descriptor& d = layers[i];
    Say(o, "layer " + std::to_string(i + 1) + "/" + std::to_string(layers.size()) + " " +
               Short(d.digest) + " (" + Mib(d.size) + (p.secrets[i] ? ", encrypted" : "") + ")");
    std::function<Status(Sink&)> feed;
    if (fetcher) {
      TRY(fetcher->Wait(i));
      feed = [&](Sink& s) { return FeedFromStore(o.store_dir, d, s); };
    } else {
      feed = [&](Sink& s) { return source.FetchBlob(d, s); };
    }
    ASSIGN_OR_RETURN(UnpackStats stats, UnpackThroughChain(stage, d, p.config.diff_ids[i],
                                                           p.secrets[i], feed, o.unpack));
    result.layers.push_back(stats);
    result.compressed_bytes += d.size;
  }
  BundleOptions bo = o.bundle;
  bo.rootfs_dirfd = stage.rootfs_fd();
  ASSIGN_OR_RETURN(Json runtime, RuntimeConfigFromImageConfig(p.config.raw, bo));
  TRY(WriteBundle(stage.staging_dir(), runtime));
  TRY(stage.Commit());
  Say(o, "unpacked into " + bundle_dir);
  result.manifest_digest = p.image.raw.digest;
  result.config = std::move(p.config);
  result.encrypted_layers = p.encrypted;
  return result;
}

Result<Digest> PullToStore(ImageSource& source, const std::string& store_dir,
                           const std::string& tag, const PullOptions& o) {
  Prepared p;
  ASSIGN_OR_RETURN(p.image, ResolveImage(source, o.platform));
  TRY(CheckPolicy(source, p.image, o));
  const Manifest& m = p.image.manifest;
  ASSIGN_OR_RETURN(auto dest, OpenOciLayoutDestination(OciLayoutRef{store_dir, tag}));
  {
    StoreFetcher fetcher(source, store_dir, m.layers, o.parallelism);
    for (size_t i = 0; i < m.layers.size(); ++i) {
      TRY(fetcher.Wait(i));
      Say(o, "stored layer " + std::to_string(i + 1) + "/" + std::to_string(m.layers.size()) + " " +
                 Short(m.layers[i].digest));
    }
  }
  BytesSink config(limits::kImageConfigMaxBytes);
  TRY(source.FetchBlob(m.config, config));
  BytesSource config_source(config.bytes());
  TRY(dest->PutBlob(m.config, config_source));
  return dest->PutManifest(p.image.raw.bytes, p.image.raw.media_type, tag);
}

}  // namespace cocoon::image
