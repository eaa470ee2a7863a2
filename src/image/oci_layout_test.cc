// Unit tests for the content store under the oci: transport and the pull (BlobStore) and for the
// ordered concurrent fetcher (ConcurrentFetcher).
#include "image/oci_layout.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "image/transport.h"
#include "testutil/temp_dir.h"

namespace cocoon::image {
namespace {

namespace fs = std::filesystem;

Descriptor Describe(const Bytes& blob, crypto::HashAlg alg = crypto::HashAlg::kSha256) {
  return {.media_type = std::string(media::kOciLayerGzip),
          .digest = Digest::Of(blob, alg),
          .size = blob.size()};
}

size_t FilesIn(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::end(it); ++it) {
    if (it->is_regular_file()) ++n;
  }
  return n;
}

TEST(BlobStore, PutThenReadVerifiesTheDigest) {
  testutil::TempDir dir;
  BlobStore store(dir.path().string());
  Bytes blob = ToBytes("layer bytes");
  Descriptor d = Describe(blob);
  EXPECT_FALSE(store.Has(d));
  BytesSource source(blob);
  ASSERT_TRUE(store.Put(d, source));
  EXPECT_TRUE(store.Has(d));
  EXPECT_EQ(store.BlobPath(d.digest), dir.File("blobs/sha256/" + d.digest.hex));

  BytesSink out(1024);
  ASSERT_TRUE(store.Read(d, out));
  EXPECT_EQ(out.bytes(), blob);

  // Changed on disk with the same size: Has still says yes, Read reports DataLoss.
  std::ofstream(store.BlobPath(d.digest), std::ios::trunc) << "LAYER BYTES";
  EXPECT_TRUE(store.Has(d));
  BytesSink tampered(1024);
  EXPECT_EQ(store.Read(d, tampered).error().code(), Code::kDataLoss);
}

TEST(BlobStore, PutOfWrongBytesStoresNothing) {
  testutil::TempDir dir;
  BlobStore store(dir.path().string());
  Descriptor d = Describe(ToBytes("expected"));
  Bytes other = ToBytes("imposter");  // same size, other digest
  BytesSource source(other);
  EXPECT_EQ(store.Put(d, source).error().code(), Code::kDataLoss);
  EXPECT_FALSE(store.Has(d));
  EXPECT_EQ(FilesIn(dir.path()), 0u);  // no temp file left behind
}

TEST(BlobStore, ReadOfAbsentBlobIsNotFound) {
  testutil::TempDir dir;
  BlobStore store(dir.path().string());
  BytesSink out(1024);
  EXPECT_EQ(store.Read(Describe(ToBytes("x")), out).error().code(), Code::kNotFound);
}

TEST(BlobStore, WriterPublishesOnlyWhenFinished) {
  testutil::TempDir dir;
  BlobStore store(dir.path().string());
  Bytes blob = ToBytes("sha512 content");
  Descriptor d = Describe(blob, crypto::HashAlg::kSha512);
  {
    auto w = store.Writer(d.digest);  // creates blobs/sha512/
    ASSERT_TRUE(w) << w.error().ToString();
    ASSERT_TRUE((*w)->Write(blob));
    EXPECT_FALSE(store.Has(d));
  }  // dropped unfinished: nothing stored, temp file removed
  EXPECT_FALSE(store.Has(d));
  EXPECT_EQ(FilesIn(dir.path()), 0u);

  auto w = store.Writer(d.digest);
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->Write(blob));
  ASSERT_TRUE((*w)->Finish());
  EXPECT_TRUE(store.Has(d));
  EXPECT_EQ(FilesIn(dir.path()), 1u);
}

TEST(BlobStore, PutKeepsAStoredBlobWithoutReadingTheSource) {
  testutil::TempDir dir;
  BlobStore store(dir.path().string());
  Bytes blob = ToBytes("stored once");
  Descriptor d = Describe(blob);
  BytesSource first(blob);
  ASSERT_TRUE(store.Put(d, first));
  Bytes empty;
  BytesSource unread(empty);  // would fail the digest check if it were read
  EXPECT_TRUE(store.Put(d, unread));
}

TEST(ConcurrentFetcher, WaitGivesEachStatusInOrder) {
  std::atomic<int> calls{0};
  ConcurrentFetcher fetcher(5, 3, [&](size_t i) -> Status {
    ++calls;
    if (i == 2) return DataLoss("blob 2");
    return Ok();
  });
  for (size_t i = 0; i < 5; ++i) {
    Status st = fetcher.Wait(i);
    if (i == 2) {
      ASSERT_FALSE(st);
      EXPECT_EQ(st.error().code(), Code::kDataLoss);
    } else {
      EXPECT_TRUE(st) << i;
    }
  }
  EXPECT_EQ(calls.load(), 5);
}

}  // namespace
}  // namespace cocoon::image
