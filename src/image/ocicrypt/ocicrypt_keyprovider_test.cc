#include "image/ocicrypt/ocicrypt_keyprovider.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/json.h"
#include "testutil/temp_dir.h"

namespace cocoon::image {
namespace {

constexpr std::string_view kOpts = R"({"symkey":"k","digest":"","cipheroptions":{"nonce":"n"}})";

crypto::SecretBytes Kek(uint8_t fill) {
  crypto::SecretBytes k(32);
  std::fill(k.data(), k.data() + 32, fill);
  return k;
}

TEST(KidResourcePathTest, Forms) {
  EXPECT_EQ(*KidResourcePath("kbs:///default/key/1"), "default/key/1");
  EXPECT_EQ(*KidResourcePath("kbs://kbs.example:8080/repo/image-kek/abc-1"),
            "repo/image-kek/abc-1");
  EXPECT_EQ(*KidResourcePath("/default/key/1"), "default/key/1");
  for (std::string_view bad : {"kbs:///default/key", "kbs:///default/../1", "kbs:///a/b/c/d",
                               "default/key/1", "kbs:///a//b", "kbs://host", "kbs:///a/b/c d"}) {
    EXPECT_EQ(KidResourcePath(bad).error().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(KeyProviderTest, WrapUnwrapRoundTripWithLocalProvider) {
  auto packet = WrapForKeyProvider("kbs:///default/key/1", Kek(1), AsBytes(kOpts));
  ASSERT_TRUE(packet.has_value()) << packet.error().ToString();
  auto parsed = ParseAnnotationPacket(*packet);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->kid, "kbs:///default/key/1");
  EXPECT_EQ(parsed->iv.size(), 12u);
  EXPECT_EQ(parsed->wrap_type, "A256GCM");
  EXPECT_EQ(AsString(*packet).rfind(R"({"kid":"kbs:///default/key/1","wrapped_data":")", 0), 0u);

  LocalKeyProvider local;
  ASSERT_TRUE(local.Add("kbs:///default/key/1", Kek(1)).has_value());
  auto opts = UnwrapWithKeyProvider(*packet, local);
  ASSERT_TRUE(opts.has_value()) << opts.error().ToString();
  EXPECT_EQ(opts->view(), kOpts);

  LocalKeyProvider wrong;
  ASSERT_TRUE(wrong.Add("/default/key/1", Kek(2)).has_value());
  EXPECT_EQ(UnwrapWithKeyProvider(*packet, wrong).error().code(), Code::kUnauthenticated);
  LocalKeyProvider empty;
  EXPECT_EQ(UnwrapWithKeyProvider(*packet, empty).error().code(), Code::kNotFound);
  EXPECT_EQ(WrapForKeyProvider("kbs:///default/key/1", crypto::SecretBytes(16), AsBytes(kOpts))
                .error()
                .code(),
            Code::kInvalidArgument);
}

TEST(KeyProviderTest, DirectoryProvider) {
  testutil::TempDir dir;
  std::filesystem::create_directories(dir.path() / "default/key");
  const std::string kek(32, 'K');
  dir.Write("default/key/1", kek);
  auto packet = WrapForKeyProvider("kbs:///default/key/1", crypto::SecretBytes::FromString(kek),
                                   AsBytes(kOpts));
  LocalKeyProvider local(dir.path().string());
  EXPECT_EQ(UnwrapWithKeyProvider(*packet, local)->view(), kOpts);
  EXPECT_EQ(local.GetKey("kbs:///default/key/2").error().code(), Code::kNotFound);
  EXPECT_EQ(local.GetKey("kbs:///default/../key").error().code(), Code::kInvalidArgument);
}

TEST(KeyProviderTest, A256CtrPacketAndOtherProviders) {
  // CDH also accepts A256CTR with a 16-byte IV (no authentication).
  AnnotationPacket p{"kbs:///default/key/1", {}, Bytes(16, 0), "A256CTR"};
  p.wrapped_data = ToBytes(std::string(kOpts.size(), 'x'));
  LocalKeyProvider local;
  ASSERT_TRUE(local.Add("kbs:///default/key/1", Kek(3)).has_value());
  auto opts = UnwrapWithKeyProvider(AsBytes(SerializeAnnotationPacket(p)), local);
  ASSERT_TRUE(opts.has_value());
  EXPECT_EQ(opts->size(), kOpts.size());
  EXPECT_EQ(
      ParseAnnotationPacket(AsBytes(R"({"kid":"a","wrapped_data":"","iv":"","provider":"aliyun"})"))
          .error()
          .code(),
      Code::kUnimplemented);
  EXPECT_EQ(
      ParseAnnotationPacket(AsBytes(R"({"kid":"a","wrapped_data":"!","iv":""})")).error().code(),
      Code::kInvalidArgument);
}

TEST(KeyProviderProtocolTest, GoShapedRequests) {
  EXPECT_EQ(
      KeyWrapRequest("attestation-agent", "keyid=kbs:///default/key/1::algorithm=A256GCM",
                     AsBytes("{}")),
      R"({"op":"keywrap","keywrapparams":{"ec":{"Parameters":{"attestation-agent":[")" +
          base::Base64Encode(std::string_view("keyid=kbs:///default/key/1::algorithm=A256GCM")) +
          R"("]},"DecryptConfig":{"Parameters":{}}},"optsdata":"e30="},"keyunwrapparams":{"dc":null,"annotation":null}})");
  EXPECT_EQ(
      KeyUnwrapRequest(AsBytes("ab")),
      R"({"op":"keyunwrap","keywrapparams":{"ec":null,"optsdata":null},"keyunwrapparams":{"dc":{"Parameters":{}},"annotation":"YWI="}})");
}

TEST(KeyProviderProtocolTest, RepliesInBothByteEncodings) {
  EXPECT_EQ(ToString(*ParseKeyWrapResponse(R"({"keywrapresults":{"annotation":"YWI="}})")), "ab");
  EXPECT_EQ(ToString(*ParseKeyWrapResponse(R"({"keywrapresults":{"annotation":[97,98]}})")), "ab");
  EXPECT_EQ(ParseKeyUnwrapResponse(R"({"keyunwrapresults":{"optsdata":[123,125]}})")->view(), "{}");
  EXPECT_EQ(ParseKeyUnwrapResponse(R"({"keyunwrapresults":{"optsdata":"e30="}})")->view(), "{}");
  EXPECT_EQ(ParseKeyUnwrapResponse(R"({"keyunwrapresults":{"optsdata":[256]}})").error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseKeyWrapResponse(R"({"keyunwrapresults":{}})").error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseKeyWrapResponse("[").error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::image
