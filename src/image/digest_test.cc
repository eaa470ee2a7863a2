#include "image/digest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cocoon::image {
namespace {

class Collect final : public Sink {
 public:
  Status Write(std::span<const uint8_t> data) override {
    out.insert(out.end(), data.begin(), data.end());
    return Ok();
  }
  Status Finish() override {
    finished = true;
    return Ok();
  }
  std::vector<uint8_t> out;
  bool finished = false;
};

const std::string kAbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

std::span<const uint8_t> Span(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(DigestTest, ParsesAndPrints) {
  auto d = Digest::Parse("sha256:" + kAbcSha256);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->String(), "sha256:" + kAbcSha256);
  EXPECT_EQ(Digest::Of(Span("abc")), *d);
}

TEST(DigestTest, RejectsMalformed) {
  for (std::string bad :
       {std::string("sha256"), "md5:" + kAbcSha256, "sha256:" + kAbcSha256 + "0",
        "sha256:" + kAbcSha256.substr(1), std::string("sha256:") + std::string(64, 'A'),
        std::string("sha512:") + std::string(64, 'a')}) {
    auto d = Digest::Parse(bad);
    ASSERT_FALSE(d.has_value()) << bad;
    EXPECT_EQ(d.error().code(), Code::kInvalidArgument);
  }
}

TEST(DigestTest, SinkForwardsAndChecks) {
  Collect next;
  DigestingSink sink(*Digest::Parse("sha256:" + kAbcSha256), 3, &next);
  ASSERT_TRUE(sink.Write(Span("a")).has_value());
  ASSERT_TRUE(sink.Write(Span("bc")).has_value());
  ASSERT_TRUE(sink.Finish().has_value());
  EXPECT_EQ(std::string(next.out.begin(), next.out.end()), "abc");
  EXPECT_TRUE(next.finished);
}

TEST(DigestTest, SinkRejectsWrongContentAndSize) {
  DigestingSink wrong(*Digest::Parse("sha256:" + kAbcSha256), std::nullopt, nullptr);
  ASSERT_TRUE(wrong.Write(Span("abd")).has_value());
  auto st = wrong.Finish();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), Code::kDataLoss);
  EXPECT_NE(st.error().message().find("digest mismatch"), std::string::npos);

  DigestingSink longer(*Digest::Parse("sha256:" + kAbcSha256), 3, nullptr);
  ASSERT_TRUE(longer.Write(Span("abc")).has_value());
  EXPECT_EQ(longer.Write(Span("d")).error().code(), Code::kDataLoss);

  DigestingSink shorter(*Digest::Parse("sha256:" + kAbcSha256), 4, nullptr);
  ASSERT_TRUE(shorter.Write(Span("abc")).has_value());
  EXPECT_EQ(shorter.Finish().error().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace cocoon::image
