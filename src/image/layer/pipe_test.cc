// Tests for the bounded two-thread pipe: ordered delivery under a tiny capacity, EOF, and
// aborts from either side without deadlock.
#include "image/layer/pipe.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>

#include "base/bytes.h"

namespace cocoon::image {
namespace {

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  std::mt19937 rng(9);
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

Result<std::string> ReadAll(Source& src, size_t chunk) {
  std::string out;
  std::vector<uint8_t> buf(chunk);
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, src.Read(buf));
    if (n == 0) return out;
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
}

TEST(Pipe, DeliversEverythingInOrderThroughASmallBuffer) {
  Pipe pipe(1000);
  std::string data = Pattern(3 << 20);
  std::thread producer([&] {
    std::mt19937 rng(1);
    std::string_view rest = data;
    while (!rest.empty()) {
      size_t n = std::min<size_t>(rest.size(), 1 + rng() % 5000);
      ASSERT_TRUE(pipe.writer().Write(AsBytes(rest.substr(0, n))).has_value());
      rest.remove_prefix(n);
    }
    ASSERT_TRUE(pipe.writer().Finish().has_value());
  });
  auto got = ReadAll(pipe.reader(), 777);
  producer.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, data);
  // EOF is sticky.
  uint8_t b[4];
  EXPECT_EQ(pipe.reader().Read(b).value(), 0u);
}

TEST(Pipe, ReaderAbortUnblocksAFullWriter) {
  Pipe pipe(16);
  Status write_status;
  std::thread producer([&] {
    std::string big(1 << 20, 'x');
    write_status = pipe.writer().Write(AsBytes(big));  // blocks: nobody reads
  });
  uint8_t b[8];
  ASSERT_EQ(pipe.reader().Read(b).value(), 8u);
  pipe.Abort(Error(Code::kInvalidArgument, "unpack failed: bad entry"));
  producer.join();
  ASSERT_FALSE(write_status.has_value());
  EXPECT_EQ(write_status.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(write_status.error().message(), "unpack failed: bad entry");
  EXPECT_EQ(pipe.writer().Finish().error().code(), Code::kInvalidArgument);
}

TEST(Pipe, WriterAbortReachesABlockedReader) {
  Pipe pipe(64);
  std::thread producer([&] {
    ASSERT_TRUE(pipe.writer().Write(AsBytes("partial")).has_value());
    pipe.Abort(Error(Code::kDataLoss, "layer HMAC mismatch"));
  });
  auto got = ReadAll(pipe.reader(), 3);
  producer.join();
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code(), Code::kDataLoss);
  EXPECT_EQ(got.error().message(), "layer HMAC mismatch");
}

TEST(Pipe, FirstAbortWinsAndWriteAfterFinishFails) {
  Pipe pipe(8);
  ASSERT_TRUE(pipe.writer().Write(AsBytes("ab")).has_value());
  ASSERT_TRUE(pipe.writer().Finish().has_value());
  auto w = pipe.writer().Write(AsBytes("c"));
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code(), Code::kFailedPrecondition);
  pipe.Abort(Error(Code::kUnavailable, "first"));
  pipe.Abort(Error(Code::kInternal, "second"));
  uint8_t b[4];
  auto r = pipe.reader().Read(b);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "first");
}

}  // namespace
}  // namespace cocoon::image
