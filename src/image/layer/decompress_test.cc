// Tests for streaming gzip/zstd (de)compression: round trips in small chunks, multi-member and
// multi-frame streams, truncation, corruption, trailing garbage and the output/ratio limits.
#include "image/layer/decompress.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "base/bytes.h"

namespace cocoon::image {
namespace {

class StringSink final : public Sink {
 public:
  Status Write(std::span<const uint8_t> d) override {
    data.append(reinterpret_cast<const char*>(d.data()), d.size());
    return Ok();
  }
  Status Finish() override {
    finished = true;
    return Ok();
  }
  std::string data;
  bool finished = false;
};

std::string RandomData(size_t n, uint32_t seed, bool compressible) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    s[i] = compressible ? static_cast<char>('a' + rng() % 4) : static_cast<char>(rng());
  }
  return s;
}

// Writes `data` into `sink` in random chunks of 1..4097 bytes, then Finish.
Status WriteChunked(Sink& sink, std::string_view data, uint32_t seed) {
  std::mt19937 rng(seed);
  while (!data.empty()) {
    size_t n = std::min<size_t>(data.size(), 1 + rng() % 4097);
    TRY(sink.Write(AsBytes(data.substr(0, n))));
    data.remove_prefix(n);
  }
  return sink.Finish();
}

std::string Compress(Compression c, std::string_view data, int level = 0) {
  StringSink out;
  CompressingSink sink(c, &out, level);
  EXPECT_TRUE(WriteChunked(sink, data, 7).has_value());
  EXPECT_TRUE(out.finished);
  return out.data;
}

Result<std::string> Decompress(Compression c, std::string_view data, DecompressLimits l = {}) {
  StringSink out;
  DecompressingSink sink(c, &out, l);
  TRY(WriteChunked(sink, data, 11));
  if (!out.finished) return Internal("next sink not finished");
  return out.data;
}

class RoundTrip : public ::testing::TestWithParam<Compression> {};

TEST_P(RoundTrip, RandomAndCompressibleDataInSmallChunks) {
  for (bool compressible : {false, true}) {
    std::string plain = RandomData(700 * 1024 + 13, 42, compressible);
    std::string packed = Compress(GetParam(), plain);
    if (GetParam() == Compression::kNone) {
      EXPECT_EQ(packed, plain);
    } else if (compressible) {
      EXPECT_LT(packed.size(), plain.size());
    }
    auto back = Decompress(GetParam(), packed);
    ASSERT_TRUE(back.has_value()) << back.error().ToString();
    EXPECT_EQ(*back, plain);
  }
}

class Framed : public ::testing::TestWithParam<Compression> {};

TEST_P(Framed, ConcatenatedMembersOrFrames) {
  std::string a = RandomData(100000, 1, true), b = RandomData(5000, 2, false);
  auto back = Decompress(GetParam(), Compress(GetParam(), a) + Compress(GetParam(), b));
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, a + b);
}

TEST_P(Framed, TruncatedStreamIsDataLoss) {
  std::string packed = Compress(GetParam(), RandomData(50000, 3, false));
  auto r = Decompress(GetParam(), packed.substr(0, packed.size() - 5));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kDataLoss);
  EXPECT_NE(r.error().message().find("truncated"), std::string::npos) << r.error().message();
}

TEST_P(Framed, TrailingGarbageIsDataLoss) {
  auto r = Decompress(GetParam(), Compress(GetParam(), "hello") + "garbage!");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kDataLoss);
  EXPECT_NE(r.error().message().find("trailing"), std::string::npos) << r.error().message();
}

TEST_P(Framed, CorruptByteIsDataLoss) {
  std::string packed = Compress(GetParam(), RandomData(50000, 4, true));
  packed[packed.size() / 2] ^= 0x55;
  packed[packed.size() / 2 + 1] ^= 0x55;
  auto r = Decompress(GetParam(), packed);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kDataLoss) << r.error().ToString();
}

TEST_P(RoundTrip, EmptyStream) {
  auto r = Decompress(GetParam(), "");
  if (GetParam() == Compression::kNone) {
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, "");
    return;
  }
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kDataLoss);
}

TEST_P(RoundTrip, OutputLimitAtAndPastTheLimit) {
  std::string plain = RandomData(10000, 5, false);
  std::string packed = Compress(GetParam(), plain);
  DecompressLimits at;
  at.max_output_bytes = plain.size();
  EXPECT_TRUE(Decompress(GetParam(), packed, at).has_value());
  DecompressLimits past;
  past.max_output_bytes = plain.size() - 1;
  auto r = Decompress(GetParam(), packed, past);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kResourceExhausted);
  EXPECT_NE(r.error().message().find("kUnpackedLayerMaxBytes"), std::string::npos);
}

TEST_P(Framed, RatioLimit) {
  std::string zeros(4 << 20, '\0');
  std::string packed = Compress(GetParam(), zeros, 9);
  DecompressLimits l;
  l.max_ratio = 100;
  l.ratio_grace_bytes = 0;
  auto r = Decompress(GetParam(), packed, l);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kResourceExhausted);
  EXPECT_NE(r.error().message().find("kDecompressionMaxRatio"), std::string::npos);
  l.max_ratio = uint64_t{1} << 40;
  auto ok = Decompress(GetParam(), packed, l);
  EXPECT_TRUE(ok.has_value()) << ok.error().ToString();
}

INSTANTIATE_TEST_SUITE_P(All, Framed, ::testing::Values(Compression::kGzip, Compression::kZstd),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });
INSTANTIATE_TEST_SUITE_P(All, RoundTrip,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kZstd),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST(Decompress, GzipAndZstdMagic) {
  EXPECT_EQ(Compress(Compression::kGzip, "x").substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(Compress(Compression::kZstd, "x").substr(0, 4), "\x28\xb5\x2f\xfd");
}

TEST(Decompress, ZstdWindowLargerThanLimitIsResourceExhausted) {
  std::string packed = Compress(Compression::kZstd, RandomData(1 << 20, 6, false));
  DecompressLimits l;
  l.zstd_window_log_max = 10;
  auto r = Decompress(Compression::kZstd, packed, l);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kResourceExhausted) << r.error().ToString();
}

TEST(Decompress, WriteAfterErrorFails) {
  StringSink out;
  DecompressingSink sink(Compression::kGzip, &out);
  ASSERT_FALSE(sink.Write(AsBytes("not gzip at all")).has_value());
  auto r = sink.Write(AsBytes("more"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace cocoon::image
