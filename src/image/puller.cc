// The pull (see puller.h): the content store is an OCI layout's BlobStore, concurrent downloads
// a ConcurrentFetcher; what is left here is the per-layer decrypt/decompress/unpack chain.
#include "image/puller.h"

#include <cstdio>
#include <optional>
#include <thread>

#include "base/encoding.h"
#include "base/limits.h"
#include "image/digest.h"
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

// Stores layer `d` unless the store already holds it (an earlier pull; its content is
// re-verified when it is read). The source finishes the writer, which renames the blob into
// place, only after the digest and size checked out.
Status StoreLayer(ImageSource& source, const BlobStore& store, const Descriptor& d) {
  if (store.Has(d)) return Ok();
  ASSIGN_OR_RETURN(auto sink, store.Writer(d.digest));
  return source.FetchBlob(d, *sink);
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
  const BlobStore store(o.store_dir);
  // With a store, layers download concurrently into it while they are unpacked in order.
  std::optional<ConcurrentFetcher> fetcher;
  if (!o.store_dir.empty()) {
    fetcher.emplace(layers.size(), o.parallelism,
                    [&](size_t i) { return StoreLayer(source, store, layers[i]); });
  }
  PullResult result;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Descriptor& d = layers[i];
    Say(o, "layer " + std::to_string(i + 1) + "/" + std::to_string(layers.size()) + " " +
               Short(d.digest) + " (" + Mib(d.size) + (p.secrets[i] ? ", encrypted" : "") + ")");
    std::function<Status(Sink&)> feed;
    if (fetcher) {
      TRY(fetcher->Wait(i));
      feed = [&](Sink& s) { return store.Read(d, s); };
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
  const BlobStore store(store_dir);
  {
    ConcurrentFetcher fetcher(m.layers.size(), o.parallelism,
                              [&](size_t i) { return StoreLayer(source, store, m.layers[i]); });
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
