#include "image/manifest.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/file.h"
#include "base/limits.h"

namespace cocoon::image {
namespace {

const std::string kD1 = "sha256:" + std::string(64, '1');
const std::string kD2 = "sha256:" + std::string(64, '2');
const std::string kD3 = "sha256:" + std::string(64, '3');

std::string Entry(const std::string& digest, const std::string& platform) {
  return R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + digest +
         R"(","size":100,"platform":)" + platform + "}";
}

Index MultiArch() {
  std::string text = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
    "manifests":[)" + Entry(kD1, R"({"os":"linux","architecture":"arm","variant":"v6"})") +
                     "," + Entry(kD2, R"({"os":"linux","architecture":"arm64"})") + "," +
                     Entry(kD3, R"({"os":"linux","architecture":"amd64"})") + "," +
                     Entry(kD1, R"({"os":"unknown","architecture":"unknown"})") + "]}";
  auto index = ParseIndex(AsBytes(text));
  EXPECT_TRUE(index.has_value()) << index.error().ToString();
  return index.value_or(Index{});
}

TEST(ManifestTest, ParsesSkopeoEncryptedManifest) {
  auto text = base::ReadFile(std::string(COCOON_SOURCE_DIR) +
                             "/testdata/ocicrypt/skopeo-enc-rsa-manifest.json");
  ASSERT_TRUE(text.has_value()) << text.error().ToString();
  auto m = ParseManifest(AsBytes(*text), "application/vnd.oci.image.manifest.v1+json");
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  EXPECT_EQ(m->media_type, media::kOciManifest);
  EXPECT_EQ(m->config.media_type, media::kOciConfig);
  EXPECT_EQ(m->config.size, 194u);
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].media_type, media::kOciLayerGzipEnc);
  EXPECT_EQ(m->layers[0].digest.String(),
            "sha256:f497d91d4dd5e9fdf81cbab9fed39ea2faea2b39d4261660aa0bcacc9ba8ce69");
  EXPECT_EQ(m->layers[0].size, 182u);
  EXPECT_EQ(m->layers[0].annotations.count("org.opencontainers.image.enc.keys.jwe"), 1u);
  EXPECT_EQ(m->layers[0].annotations.count("org.opencontainers.image.enc.pubopts"), 1u);
  auto type = ClassifyLayer(m->layers[0].media_type);
  ASSERT_TRUE(type.has_value());
  EXPECT_TRUE(type->encrypted);
  EXPECT_EQ(type->compression, Compression::kGzip);
  // Serialising and re-parsing keeps every field.
  auto again = ParseManifest(AsBytes(SerializeManifest(*m)));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->layers[0].annotations, m->layers[0].annotations);
  EXPECT_EQ(again->layers[0].digest, m->layers[0].digest);
}

TEST(ManifestTest, SelectsPlatform) {
  Index index = MultiArch();
  auto amd64 = SelectPlatform(index, Platform{.os = "linux", .architecture = "x86_64"});
  ASSERT_TRUE(amd64.has_value());
  EXPECT_EQ(amd64->digest.String(), kD3);
  auto arm64 = SelectPlatform(index, *ParsePlatform("linux/arm64/v8"));  // empty variant == v8
  ASSERT_TRUE(arm64.has_value());
  EXPECT_EQ(arm64->digest.String(), kD2);
  auto armv6 = SelectPlatform(index, *ParsePlatform("linux/arm/v6"));
  ASSERT_TRUE(armv6.has_value());
  EXPECT_EQ(armv6->digest.String(), kD1);
  auto armv7 = SelectPlatform(index, *ParsePlatform("linux/arm/v7"));
  ASSERT_FALSE(armv7.has_value());
  EXPECT_EQ(armv7.error().code(), Code::kNotFound);
  EXPECT_NE(armv7.error().message().find("linux/arm64"), std::string::npos);
  auto windows = SelectPlatform(index, *ParsePlatform("windows/amd64"));
  EXPECT_EQ(windows.error().code(), Code::kNotFound);
  EXPECT_EQ(ParsePlatform("linux").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParsePlatform("linux/").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(HostPlatform().os, "linux");
}

TEST(ManifestTest, DockerListAndManifest) {
  std::string list =
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":")" +
      kD1 + R"(","size":7,"platform":{"architecture":"amd64","os":"linux"}}]})";
  auto type = DetectManifestType(AsBytes(list), "application/json");
  ASSERT_TRUE(type.has_value());
  EXPECT_EQ(*type, media::kDockerManifestList);
  auto index = ParseIndex(AsBytes(list), *type);
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->manifests[0].platform->architecture, "amd64");
  std::string docker =
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":")" +
      kD2 +
      R"(","size":1},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":")" +
      kD3 + R"(","size":2}]})";
  auto m = ParseManifest(AsBytes(docker));
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  EXPECT_EQ(m->media_type, media::kDockerManifest);
  EXPECT_EQ(ClassifyLayer(m->layers[0].media_type)->compression, Compression::kGzip);
  // An index is not a manifest, and the declared type must match the embedded one.
  EXPECT_EQ(ParseManifest(AsBytes(list)).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseManifest(AsBytes(docker), media::kOciManifest).error().code(),
            Code::kInvalidArgument);
  // OCI manifests may omit mediaType.
  std::string bare = R"({"schemaVersion":2,"config":{"mediaType":"a","digest":")" + kD1 +
                     R"(","size":1},"layers":[]})";
  EXPECT_EQ(ParseManifest(AsBytes(bare))->media_type, media::kOciManifest);
}

TEST(ManifestTest, RejectsMalformed) {
  auto code = [](std::string_view text) { return ParseManifest(AsBytes(text)).error().code(); };
  EXPECT_EQ(
      code(
          R"({"schemaVersion":1,"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws"})"),
      Code::kUnimplemented);
  EXPECT_EQ(code(R"({"schemaVersion":3,"config":{},"layers":[]})"), Code::kInvalidArgument);
  EXPECT_EQ(code(R"([1])"), Code::kInvalidArgument);
  EXPECT_EQ(code(R"({"schemaVersion":2,"layers":[]})"), Code::kInvalidArgument);
  std::string bad_digest =
      R"({"schemaVersion":2,"config":{"mediaType":"a","digest":"sha256:XY","size":1},"layers":[]})";
  EXPECT_EQ(code(bad_digest), Code::kInvalidArgument);
  std::string negative = R"({"schemaVersion":2,"config":{"mediaType":"a","digest":")" + kD1 +
                         R"(","size":-1},"layers":[]})";
  EXPECT_EQ(code(negative), Code::kInvalidArgument);
  std::string bad_annotation = R"({"schemaVersion":2,"config":{"mediaType":"a","digest":")" + kD1 +
                               R"(","size":1,"annotations":{"k":1}},"layers":[]})";
  EXPECT_EQ(code(bad_annotation), Code::kInvalidArgument);
  EXPECT_EQ(ClassifyLayer("text/plain").error().code(), Code::kInvalidArgument);
}

TEST(ManifestTest, SizeLimit) {
  std::string prefix = R"({"schemaVersion":2,"config":{"mediaType":"a","digest":")" + kD1 +
                       R"(","size":1},"layers":[],"annotations":{"pad":")";
  std::string suffix = "\"}}";
  std::string at(limits::kManifestMaxBytes - prefix.size() - suffix.size(), 'x');
  std::string text = prefix + at + suffix;
  ASSERT_EQ(text.size(), limits::kManifestMaxBytes);
  EXPECT_TRUE(ParseManifest(AsBytes(text)).has_value());
  std::string over = prefix + at + "x" + suffix;
  EXPECT_EQ(ParseManifest(AsBytes(over)).error().code(), Code::kResourceExhausted);
}

TEST(ManifestTest, ImageConfig) {
  std::string text =
      R"({"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/cat","/hello.txt"],"Env":["A=1"],"WorkingDir":"/w","User":"1:2"},"rootfs":{"type":"layers","diff_ids":[")" +
      kD1 + R"("]}})";
  auto c = ParseImageConfig(AsBytes(text));
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->os, "linux");
  EXPECT_EQ(c->architecture, "amd64");
  ASSERT_EQ(c->diff_ids.size(), 1u);
  EXPECT_EQ(c->diff_ids[0].String(), kD1);
  EXPECT_EQ(c->cmd, (std::vector<std::string>{"/bin/cat", "/hello.txt"}));
  EXPECT_EQ(c->env, (std::vector<std::string>{"A=1"}));
  EXPECT_EQ(c->working_dir, "/w");
  EXPECT_EQ(c->user, "1:2");
  EXPECT_EQ(c->raw["config"]["Cmd"][0], "/bin/cat");
  EXPECT_EQ(ParseImageConfig(AsBytes(R"({"os":"linux","architecture":"amd64"})")).error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(
      ParseImageConfig(
          AsBytes(
              R"({"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":["x"]}})"))
          .error()
          .code(),
      Code::kInvalidArgument);
  std::string big(limits::kImageConfigMaxBytes + 1, ' ');
  EXPECT_EQ(ParseImageConfig(AsBytes(big)).error().code(), Code::kResourceExhausted);
}

TEST(ManifestTest, ClassifiesEveryLayerMediaType) {
  struct Case {
    const char* type;
    Compression compression;
    bool encrypted;
  };
  for (const Case& c : std::vector<Case>{
           {"application/vnd.oci.image.layer.v1.tar", Compression::kNone, false},
           {"application/vnd.oci.image.layer.v1.tar+gzip", Compression::kGzip, false},
           {"application/vnd.oci.image.layer.v1.tar+zstd", Compression::kZstd, false},
           {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", Compression::kGzip,
            false},
           {"application/vnd.docker.image.rootfs.diff.tar", Compression::kNone, false},
           {"application/vnd.docker.image.rootfs.diff.tar.gzip", Compression::kGzip, false},
           {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Compression::kGzip, false},
           {"application/vnd.oci.image.layer.v1.tar+encrypted", Compression::kNone, true},
           {"application/vnd.oci.image.layer.v1.tar+gzip+encrypted", Compression::kGzip, true},
           {"application/vnd.oci.image.layer.v1.tar+zstd+encrypted", Compression::kZstd, true}}) {
    auto t = ClassifyLayer(c.type);
    ASSERT_TRUE(t.has_value()) << c.type;
    EXPECT_EQ(t->compression, c.compression) << c.type;
    EXPECT_EQ(t->encrypted, c.encrypted) << c.type;
  }
  auto bad = ClassifyLayer("application/vnd.oci.image.layer.v1.tar+bzip2");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("tar+bzip2"), std::string::npos);
}

}  // namespace
}  // namespace cocoon::image
