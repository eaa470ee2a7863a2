// OCI image-spec and Docker schema-2 manifests, indexes and image configs: media types,
// descriptors, strict parsing with size limits, platform selection, and serialisation for the
// manifests cocoon writes. Manifest bytes come from registries and layouts: untrusted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"
#include "image/compression.h"
#include "image/digest.h"

namespace cocoon::image {

namespace media {
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kOciLayerTarEnc =
    "application/vnd.oci.image.layer.v1.tar+encrypted";
inline constexpr std::string_view kOciLayerGzipEnc =
    "application/vnd.oci.image.layer.v1.tar+gzip+encrypted";
inline constexpr std::string_view kOciLayerZstdEnc =
    "application/vnd.oci.image.layer.v1.tar+zstd+encrypted";
inline constexpr std::string_view kOciNondistTar =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
inline constexpr std::string_view kOciNondistGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
inline constexpr std::string_view kOciNondistZstd =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerSchema1 =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerForeignLayerGzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
inline constexpr std::string_view kOctetStream = "application/octet-stream";
// Accept header for manifest requests: every manifest and index type we parse.
inline constexpr std::string_view kManifestAccept =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";
}  // namespace media

inline constexpr std::string_view kAnnotationRefName = "org.opencontainers.image.ref.name";

struct LayerType {
  Compression compression = Compression::kNone;
  bool encrypted = false;
};
// Compression and encryption of a layer media type; InvalidArgument for non-layer types.
Result<LayerType> ClassifyLayer(std::string_view media_type);
bool IsIndexMediaType(std::string_view media_type);
bool IsManifestMediaType(std::string_view media_type);

struct Platform {
  std::string os{};            // "linux"
  std::string architecture{};  // GOARCH spelling: "amd64", "arm64"
  std::string variant{};       // "v8", "v7", or empty
  std::string os_version{};
  std::vector<std::string> os_features{};
  std::string String() const;  // "linux/arm64/v8"
};
// The host's platform (linux + uname's machine in GOARCH spelling).
Platform HostPlatform();
// "linux/amd64", "linux/arm64/v8", "linux/arm/v7"; InvalidArgument otherwise.
Result<Platform> ParsePlatform(std::string_view text);

struct Descriptor {
  std::string media_type{};
  Digest digest{};
  uint64_t size = 0;
  std::vector<std::string> urls{};
  std::map<std::string, std::string> annotations{};
  std::optional<Platform> platform{};
};

struct Manifest {
  std::string media_type{};  // kOciManifest or kDockerManifest
  Descriptor config{};
  std::vector<Descriptor> layers{};
  std::map<std::string, std::string> annotations{};
};

struct Index {
  std::string media_type{};  // kOciIndex or kDockerManifestList
  std::vector<Descriptor> manifests{};
  std::map<std::string, std::string> annotations{};
};

// Manifest bytes as fetched, with the media type they were served as and their digest (the
// digest that pinned them, else sha256 of the bytes).
struct RawManifest {
  Bytes bytes{};
  std::string media_type{};
  Digest digest{};
};

// The media type of manifest bytes: `declared` (a Content-Type or descriptor type) if it names a
// manifest or index type, else the JSON "mediaType", else inferred from the fields (OCI allows
// an absent mediaType). InvalidArgument if the declared and embedded types disagree or the bytes
// are not a manifest; Unimplemented for Docker schema 1; ResourceExhausted past kManifestMaxBytes.
Result<std::string> DetectManifestType(ByteSpan bytes, std::string_view declared = {});
Result<Manifest> ParseManifest(ByteSpan bytes, std::string_view declared = {});
Result<Index> ParseIndex(ByteSpan bytes, std::string_view declared = {});
Result<Descriptor> ParseDescriptor(const Json& j);

// The index entry for `want`: os and architecture must match (after GOARCH normalisation:
// x86_64 → amd64, aarch64 → arm64); a wanted variant must match (arm64's empty variant counts as
// v8); without a wanted variant the first os/arch match wins. NotFound lists what is available.
Result<Descriptor> SelectPlatform(const Index& index, const Platform& want);

struct ImageConfig {
  std::string os{};
  std::string architecture{};
  std::string variant{};
  std::vector<Digest> diff_ids{};
  // Runtime defaults from the "config" object (empty when absent).
  std::vector<std::string> entrypoint{};
  std::vector<std::string> cmd{};
  std::vector<std::string> env{};
  std::string working_dir{};
  std::string user{};
  Json raw{};  // the whole parsed document
};
// Parses an image config (OCI or Docker). ResourceExhausted past kImageConfigMaxBytes.
Result<ImageConfig> ParseImageConfig(ByteSpan bytes);

// Serialisation in the Go field order (mediaType, digest, size, urls, annotations, platform).
OrderedJson DescriptorToJson(const Descriptor& d);
std::string SerializeManifest(const Manifest& m);
std::string SerializeIndex(const Index& index);

}  // namespace cocoon::image
