// OCI image layout (image-spec image-layout.md) read and write. index.json and blobs are read
// with size limits and digest checks; writes go to a temp file in the same directory, are
// fsynced and renamed into place, so a crash leaves either the old or the new file.
#include "image/oci_layout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "image/internal/file_io.h"

namespace cocoon::image {
namespace {

namespace fs = std::filesystem;
using internal::FileSource;
using internal::WriteFileAtomic;

constexpr std::string_view kLayoutFile = R"({"imageLayoutVersion":"1.0.0"})";

Result<Index> ReadIndex(const std::string& dir) {
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(dir + "/index.json", "OCI layout index",
                                                    limits::kManifestMaxBytes));
  auto index = ParseIndex(AsBytes(text), media::kOciIndex);
  if (!index) return std::unexpected(index.error().WithContext(dir + "/index.json"));
  return index;
}

Result<Bytes> ReadSmallBlob(const BlobStore& store, const Descriptor& d) {
  auto src = FileSource::Open(store.BlobPath(d.digest));
  if (!src) return std::unexpected(src.error());
  BytesSink bytes(limits::kManifestMaxBytes);
  DigestingSink check(d.digest, d.size == 0 ? std::nullopt : std::optional(d.size), &bytes);
  TRY(internal::CopySource(*src, check));
  TRY(check.Finish());
  return std::move(bytes.bytes());
}

class OciLayoutSource final : public ImageSource {
 public:
  OciLayoutSource(OciLayoutRef ref, Index index)
      : ref_(std::move(ref)), store_(ref_.dir), index_(std::move(index)) {}

  Result<RawManifest> GetManifest(const std::optional<Digest>& digest) override {
    Descriptor d;
    if (digest) {
      d.digest = *digest;
      for (const Descriptor& e : index_.manifests) {
        if (e.digest == *digest) d = e;
      }
    } else {
      ASSIGN_OR_RETURN(d, Selected());
    }
    ASSIGN_OR_RETURN(Bytes bytes, ReadSmallBlob(store_, d));
    RawManifest m{.bytes = std::move(bytes), .digest = d.digest};
    ASSIGN_OR_RETURN(m.media_type, DetectManifestType(m.bytes, d.media_type));
    return m;
  }

  Status FetchBlob(const Descriptor& d, Sink& sink) override { return store_.Read(d, sink); }

  std::string Name() const override { return TransportRef::Oci(ref_).String(); }

 private:
  Result<Descriptor> Selected() const {
    if (ref_.tag.empty()) {
      if (index_.manifests.size() != 1) {
        return InvalidArgument(Name() + ": index.json has " +
                               std::to_string(index_.manifests.size()) +
                               " manifests; name one with :TAG");
      }
      return index_.manifests.front();
    }
    for (const Descriptor& d : index_.manifests) {
      auto it = d.annotations.find(std::string(kAnnotationRefName));
      if (it != d.annotations.end() && it->second == ref_.tag) return d;
    }
    return NotFound(Name() + ": no manifest tagged '" + ref_.tag + "' in index.json");
  }

  OciLayoutRef ref_;
  BlobStore store_;
  Index index_;
};

class OciLayoutDestination final : public ImageDestination {
 public:
  explicit OciLayoutDestination(OciLayoutRef ref) : ref_(std::move(ref)), store_(ref_.dir) {}

  Status PutBlob(const Descriptor& d, Source& source) override { return store_.Put(d, source); }

  Result<Digest> PutManifest(ByteSpan bytes, std::string_view media_type,
                             std::string_view tag) override {
    Digest digest = Digest::Of(bytes);
    TRY(WriteFileAtomic(store_.BlobPath(digest), bytes));
    if (Digest::Parse(tag)) return digest;  // a child of an index: a blob, no index.json entry
    std::string name(tag.empty() ? std::string_view(ref_.tag) : tag);
    static std::mutex index_mu;  // serialises index.json updates within this process
    std::lock_guard lock(index_mu);
    ASSIGN_OR_RETURN(Index index, ReadIndex(ref_.dir));
    std::erase_if(index.manifests, [&](const Descriptor& e) {
      auto it = e.annotations.find(std::string(kAnnotationRefName));
      return it != e.annotations.end() ? it->second == name : name.empty() && e.digest == digest;
    });
    Descriptor entry{.media_type = std::string(media_type), .digest = digest, .size = bytes.size()};
    if (!name.empty()) entry.annotations[std::string(kAnnotationRefName)] = name;
    index.manifests.push_back(std::move(entry));
    index.media_type = media::kOciIndex;
    TRY(WriteFileAtomic(ref_.dir + "/index.json", AsBytes(SerializeIndex(index))));
    return digest;
  }

  std::string Name() const override { return TransportRef::Oci(ref_).String(); }

 private:
  OciLayoutRef ref_;
  BlobStore store_;
};

}  // namespace

std::string BlobStore::BlobPath(const Digest& d) const {
  return dir_ + "/blobs/" + std::string(crypto::HashAlgName(d.algorithm)) + "/" + d.hex;
}

bool BlobStore::Has(const Descriptor& d) const {
  struct stat st;
  return ::stat(BlobPath(d.digest).c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         static_cast<uint64_t>(st.st_size) == d.size;
}

Status BlobStore::Read(const Descriptor& d, Sink& sink) const {
  if (d.size > limits::kLayerMaxBytes) {
    return ResourceExhausted("blob " + d.digest.String() + " exceeds the layer size limit");
  }
  ASSIGN_OR_RETURN(FileSource src, FileSource::Open(BlobPath(d.digest)));
  DigestingSink check(d.digest, d.size, &sink);
  TRY(internal::CopySource(src, check));
  return check.Finish();
}

Result<std::unique_ptr<Sink>> BlobStore::Writer(const Digest& digest) const {
  std::string path = BlobPath(digest);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Internal("creating the directory of " + path + ": " + ec.message());
  ASSIGN_OR_RETURN(auto file, internal::AtomicFileSink::Create(path));
  return std::unique_ptr<Sink>(std::move(file));
}

Status BlobStore::Put(const Descriptor& d, Source& source) const {
  if (Has(d)) return Ok();
  ASSIGN_OR_RETURN(auto file, Writer(d.digest));
  DigestingSink check(d.digest, d.size, file.get());
  TRY(internal::CopySource(source, check));
  return check.Finish();
}

Result<std::unique_ptr<ImageSource>> OpenOciLayoutSource(const OciLayoutRef& ref) {
  if (ref.dir.empty()) return InvalidArgument("oci: transport needs a directory");
  ASSIGN_OR_RETURN(Index index, ReadIndex(ref.dir));
  return std::unique_ptr<ImageSource>(new OciLayoutSource(ref, std::move(index)));
}

Result<std::unique_ptr<ImageDestination>> OpenOciLayoutDestination(const OciLayoutRef& ref) {
  if (ref.dir.empty()) return InvalidArgument("oci: transport needs a directory");
  std::error_code ec;
  fs::create_directories(ref.dir + "/blobs/sha256", ec);
  if (ec) return Internal("creating OCI layout " + ref.dir + ": " + ec.message());
  if (!fs::exists(ref.dir + "/oci-layout", ec)) {
    TRY(WriteFileAtomic(ref.dir + "/oci-layout", AsBytes(kLayoutFile)));
  }
  if (!fs::exists(ref.dir + "/index.json", ec)) {
    Index empty{.media_type = std::string(media::kOciIndex)};
    TRY(WriteFileAtomic(ref.dir + "/index.json", AsBytes(SerializeIndex(empty))));
  }
  return std::unique_ptr<ImageDestination>(new OciLayoutDestination(ref));
}

}  // namespace cocoon::image
