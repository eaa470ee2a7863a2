#include "image/ocicrypt/ocicrypt.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "image/ocicrypt/ocicrypt_encrypt.h"
#include "image/ocicrypt/ocicrypt_keywrap.h"
#include "testutil/string_streams.h"

namespace cocoon::image {
namespace {

// From the captured skopeo 1.9.3 example (spec §4.7).
constexpr std::string_view kCapturedPrivOpts =
    R"({"symkey":"FvpEpcuWW5uccTqLOqeNbYORs2U9B3IzHyvJqzcbzYQ=","digest":"sha256:7ff468fd7bdf59a518a2b36255d96af12c4385444612ab01e65033020630bdcd","cipheroptions":{"nonce":"obSK3NVAaUu9Gsx4nQG78w=="}})";
constexpr std::string_view kCapturedPubOptsB64 =
    "eyJjaXBoZXIiOiJBRVNfMjU2X0NUUl9ITUFDX1NIQTI1NiIsImhtYWMiOiJ5V2dyRW9qWFNlelRFZHBVSW9MTHJpNDdkQj"
    "UrUHZVaUlGaTZQUk1JeXBnPSIsImNpcGhlcm9wdGlvbnMiOnt9fQ==";

TEST(OcicryptMediaTypeTest, Mapping) {
  EXPECT_EQ(*EncryptedMediaType("application/vnd.oci.image.layer.v1.tar+zstd"),
            "application/vnd.oci.image.layer.v1.tar+zstd+encrypted");
  EXPECT_EQ(*EncryptedMediaType("application/vnd.oci.image.layer.v1.tar"),
            "application/vnd.oci.image.layer.v1.tar+encrypted");
  EXPECT_EQ(*EncryptedMediaType("application/vnd.docker.image.rootfs.diff.tar.gzip"),
            "application/vnd.oci.image.layer.v1.tar+gzip+encrypted");
  EXPECT_EQ(*EncryptedMediaType("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"),
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip+encrypted");
  EXPECT_EQ(
      EncryptedMediaType("application/vnd.oci.image.layer.v1.tar+gzip+encrypted").error().code(),
      Code::kInvalidArgument);
  EXPECT_EQ(*DecryptedMediaType("application/vnd.oci.image.layer.v1.tar+gzip+encrypted"),
            "application/vnd.oci.image.layer.v1.tar+gzip");
  EXPECT_FALSE(IsEncryptedMediaType("application/vnd.oci.image.layer.v1.tar+gzip"));
  EXPECT_FALSE(IsEncryptedMediaType("application/x+encrypted"));
  EXPECT_TRUE(IsEncryptedMediaType("application/vnd.oci.image.layer.v1.tar+zstd+encrypted"));
}

TEST(OcicryptOptionsTest, PrivateOptionsRoundTripByteExact) {
  auto key = ParsePrivateOptions(AsBytes(kCapturedPrivOpts));
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ(key->symkey.size(), 32u);
  EXPECT_EQ(key->nonce.size(), 16u);
  EXPECT_EQ(key->digest, "sha256:7ff468fd7bdf59a518a2b36255d96af12c4385444612ab01e65033020630bdcd");
  EXPECT_EQ(SerializePrivateOptions(*key).view(), kCapturedPrivOpts);
}

TEST(OcicryptOptionsTest, PublicOptionsRoundTripByteExact) {
  Annotations a{{std::string(kEncPubopts), std::string(kCapturedPubOptsB64)}};
  auto pub = PublicOptionsFromAnnotations(a);
  ASSERT_TRUE(pub.has_value()) << pub.error().ToString();
  EXPECT_EQ(base::Base64Encode(SerializePublicOptions(*pub)), kCapturedPubOptsB64);
}

TEST(OcicryptOptionsTest, MalformedOptionsRejectedWithoutSecrets) {
  auto short_key = ParsePrivateOptions(AsBytes(
      R"({"symkey":"AAAA","digest":"","cipheroptions":{"nonce":"obSK3NVAaUu9Gsx4nQG78w=="}})"));
  ASSERT_FALSE(short_key.has_value());
  EXPECT_EQ(short_key.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(short_key.error().message().find("AAAA"), std::string::npos);
  EXPECT_EQ(
      ParsePrivateOptions(AsBytes(R"({"symkey":"FvpEpcuWW5uccTqLOqeNbYORs2U9B3IzHyvJqzcbzYQ="})"))
          .error()
          .code(),
      Code::kInvalidArgument);
  EXPECT_EQ(ParsePublicOptions(AsBytes(R"({"cipher":"AES_128_GCM","hmac":""})")).error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(PublicOptionsFromAnnotations({}).error().code(), Code::kInvalidArgument);
}

TEST(OcicryptOptionsTest, AnnotationListSplits) {
  auto v = SplitAnnotationList("YQ==,Yg==", "jwe");
  ASSERT_TRUE(v.has_value());
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ(ToString((*v)[1]), "b");
  EXPECT_EQ(SplitAnnotationList("YQ==,", "jwe").error().code(), Code::kInvalidArgument);
  std::string many;
  for (int i = 0; i < 65; ++i) many += (i ? "," : "") + std::string("YQ==");
  EXPECT_EQ(SplitAnnotationList(many, "jwe").error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(SplitAnnotationList(many.substr(5), "jwe").has_value());  // 64 entries
}

using testutil::StringSink;
using testutil::StringSource;

class FailingProvider final : public KeyProvider {
 public:
  explicit FailingProvider(Code c) : code_(c) {}
  Result<crypto::SecretBytes> GetKey(std::string_view) override {
    return MakeError(code_, "kbs said no");
  }

 private:
  Code code_;
};

struct Encrypted {
  EncryptedLayer layer;
  std::string ciphertext;
};
Encrypted EncryptFor(const std::vector<Recipient>& r, const std::string& plain) {
  StringSource src(plain);
  StringSink sink;
  auto layer = EncryptLayerStream(src, sink, r, Digest::Of(AsBytes(plain)),
                                  "application/vnd.oci.image.layer.v1.tar+zstd");
  EXPECT_TRUE(layer.has_value()) << layer.error().ToString();
  EXPECT_TRUE(sink.finished);
  return {std::move(*layer), sink.out};
}

TEST(OcicryptUnwrapTest, JweAndProviderRecipientsEachUnwrap) {
  auto rsa = *crypto::PrivateKey::Generate(crypto::KeyType::kRsa);
  auto ec = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  crypto::SecretBytes kek(32);
  std::fill(kek.data(), kek.data() + 32, 7);
  std::vector<Recipient> r;
  r.push_back(Recipient::Jwe(rsa.public_key()));
  r.push_back(Recipient::Jwe(ec.public_key()));
  r.push_back(Recipient::AttestationAgent("kbs:///default/key/1", kek.Clone()));
  const std::string plain(100000, 'p');
  Encrypted enc = EncryptFor(r, plain);
  EXPECT_EQ(enc.layer.media_type, "application/vnd.oci.image.layer.v1.tar+zstd+encrypted");
  EXPECT_EQ(enc.layer.size, plain.size());
  EXPECT_EQ(enc.layer.digest, Digest::Of(AsBytes(enc.ciphertext)));
  EXPECT_EQ(enc.layer.annotations.size(), 3u);
  EXPECT_EQ(enc.layer.annotations.at(std::string(kEncKeysJwe)).find(','), std::string::npos);

  for (const auto* key : {&rsa, &ec}) {
    DecryptionKeys keys;
    keys.private_keys.push_back(*key);
    auto lk = UnwrapLayerKey(enc.layer.annotations, keys, enc.layer.digest.String());
    ASSERT_TRUE(lk.has_value()) << lk.error().ToString();
    EXPECT_EQ(lk->digest, Digest::Of(AsBytes(plain)).String());
  }
  auto local = std::make_shared<LocalKeyProvider>();
  ASSERT_TRUE(local->Add("kbs:///default/key/1", kek.Clone()).has_value());
  DecryptionKeys by_provider;
  by_provider.provider = local;
  EXPECT_TRUE(UnwrapLayerKey(enc.layer.annotations, by_provider, "sha256:x").has_value());
}

TEST(OcicryptUnwrapTest, WrongKeyIsFailedPreconditionNamingLayer) {
  auto rsa = *crypto::PrivateKey::Generate(crypto::KeyType::kRsa);
  Encrypted enc = EncryptFor({Recipient::Jwe(rsa.public_key())}, "abc");
  DecryptionKeys keys;
  keys.private_keys.push_back(*crypto::PrivateKey::Generate(crypto::KeyType::kRsa));
  keys.private_keys.push_back(*crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto r = UnwrapLayerKey(enc.layer.annotations, keys, "sha256:abcd");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(r.error().message().rfind("no decryption key for layer sha256:abcd", 0), 0u)
      << r.error().message();
  EXPECT_EQ(UnwrapLayerKey(enc.layer.annotations, DecryptionKeys{}, "sha256:abcd").error().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(UnwrapLayerKey({}, keys, "sha256:abcd").error().code(), Code::kInvalidArgument);
}

TEST(OcicryptUnwrapTest, ProviderDenialsPropagate) {
  crypto::SecretBytes kek(32);
  Encrypted enc =
      EncryptFor({Recipient::AttestationAgent("kbs:///default/key/1", kek.Clone())}, "x");
  for (Code c : {Code::kPermissionDenied, Code::kUnavailable}) {
    DecryptionKeys keys;
    keys.provider = std::make_shared<FailingProvider>(c);
    EXPECT_EQ(UnwrapLayerKey(enc.layer.annotations, keys, "sha256:1").error().code(), c);
  }
  DecryptionKeys missing;
  missing.provider = std::make_shared<FailingProvider>(Code::kNotFound);
  EXPECT_EQ(UnwrapLayerKey(enc.layer.annotations, missing, "sha256:1").error().code(),
            Code::kFailedPrecondition);
}

TEST(OcicryptUnwrapTest, UnsupportedSchemeAndGarbageAreNoFit) {
  DecryptionKeys keys;
  keys.private_keys.push_back(*crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  Annotations a{{"org.opencontainers.image.enc.keys.pgp", "YQ=="},
                {std::string(kEncKeysJwe), "bm90IGpzb24=,!!"}};
  auto r = UnwrapLayerKey(a, keys, "sha256:2");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.error().message().find("scheme pgp is not supported"), std::string::npos);
}

TEST(OcicryptEncryptTest, NoRecipientsOrBadMediaType) {
  StringSource src("x");
  StringSink sink;
  EXPECT_EQ(EncryptLayerStream(src, sink, {}, Digest::Of(AsBytes("x")),
                               "application/vnd.oci.image.layer.v1.tar")
                .error()
                .code(),
            Code::kInvalidArgument);
  auto rsa = *crypto::PrivateKey::Generate(crypto::KeyType::kRsa);
  EXPECT_EQ(EncryptLayerStream(src, sink, {Recipient::Jwe(rsa.public_key())},
                               Digest::Of(AsBytes("x")), "application/json")
                .error()
                .code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::image
