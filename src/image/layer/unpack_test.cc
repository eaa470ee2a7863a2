// Tests for UnpackLayer and StagedRootfs on real directories: every entry type, layer semantics
// (replacement, whiteouts, opaque dirs), limits, and one malicious archive per escape route,
// each asserting the error code, the entry named, and that nothing appeared outside the root.
#include "image/layer/unpack.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "base/bytes.h"
#include "image/internal/beneath.h"
#include "image/layer/decompress.h"
#include "image/layer/pipe.h"
#include "image/layer/unpack_test_util.h"
#include "testutil/temp_dir.h"

namespace cocoon::image {
namespace {

namespace fs = std::filesystem;
using namespace testing;  // NOLINT

class UnpackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    root_ = tmp_.path() / "root";
    outside_ = tmp_.path() / "outside";
    fs::create_directories(root_);
    fs::create_directories(outside_ / "etc");
    std::ofstream(outside_ / "etc" / "passwd") << "host passwd";
    fd_ = open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override {
    close(fd_);
    internal::ForceWalkFallbackForTesting(false);
    // Nothing ever escapes: the outside tree is exactly what SetUp made.
    size_t n = 0;
    for (auto it = fs::recursive_directory_iterator(outside_); it != fs::end(it); ++it) ++n;
    EXPECT_EQ(n, 2u) << "something was written outside the root";
    EXPECT_EQ(Read(outside_ / "etc" / "passwd"), "host passwd");
    EXPECT_EQ(std::distance(fs::directory_iterator(tmp_.path()), fs::directory_iterator{}), 2);
  }

  Result<UnpackStats> Apply(const std::vector<TarItem>& items, UnpackOptions o = {},
                            TarFormat format = TarFormat::kPax) {
    StringSource src(BuildTar(items, format), 777);
    return UnpackLayer(src, fd_, o);
  }
  static std::string Read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static struct stat Lstat(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(lstat(p.c_str(), &st), 0) << p;
    return st;
  }
  // Asserts `r` failed with `code` and names `entry`.
  static void ExpectError(const Result<UnpackStats>& r, Code code, const std::string& entry) {
    ASSERT_FALSE(r.has_value()) << "expected " << CodeName(code);
    EXPECT_EQ(r.error().code(), code) << r.error().ToString();
    EXPECT_NE(r.error().message().find("'" + entry + "'"), std::string::npos)
        << r.error().ToString();
  }

  testutil::TempDir tmp_;
  fs::path root_, outside_;
  int fd_ = -1;
};

TEST_F(UnpackTest, EntryTypesModesAndTimes) {
  std::string big(3 << 20, 'z');
  big[12345] = 'q';
  auto r = Apply({Dir("bin", 0755), File("bin/tool", "#!/bin/sh\n", 04755), Dir("tmp", 01777),
                  File("big", big), Symlink("bin/sh", "busybox"), Symlink("abs", "/etc/passwd"),
                  Hardlink("bin/tool2", "bin/tool"), Dir("ro", 0555), File("ro/f", "x", 0400)});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->entries, 9u);
  EXPECT_EQ(r->files, 3u);
  EXPECT_EQ(r->dirs, 3u);
  EXPECT_EQ(r->symlinks, 2u);
  EXPECT_EQ(r->hardlinks, 1u);
  EXPECT_EQ(r->file_bytes, big.size() + 11);
  EXPECT_EQ(Read(root_ / "big"), big);
  EXPECT_EQ(Lstat(root_ / "bin/tool").st_mode & 07777, 04755u);
  EXPECT_EQ(Lstat(root_ / "tmp").st_mode & 07777, 01777u);
  EXPECT_EQ(Lstat(root_ / "ro").st_mode & 07777, 0555u);
  EXPECT_EQ(Lstat(root_ / "ro/f").st_mode & 07777, 0400u);
  EXPECT_EQ(Lstat(root_ / "bin").st_mtime, 1700000000);
  EXPECT_EQ(Lstat(root_ / "big").st_mtime, 1700000000);
  EXPECT_EQ(fs::read_symlink(root_ / "bin/sh"), "busybox");
  EXPECT_EQ(fs::read_symlink(root_ / "abs"), "/etc/passwd");  // stored as-is, never followed
  EXPECT_EQ(Lstat(root_ / "bin/tool2").st_ino, Lstat(root_ / "bin/tool").st_ino);
}

TEST_F(UnpackTest, UstarAndGnuLongNames) {
  std::string long_dir(150, 'd'), long_name(200, 'n');
  std::string path = long_dir + "/" + long_name;
  for (TarFormat f : {TarFormat::kGnu, TarFormat::kPax}) {
    auto r = Apply({Dir(long_dir), File(path, "long")}, {}, f);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(Read(root_ / path), "long");
  }
  auto r = Apply({File("short/name.txt", "ustar")}, {}, TarFormat::kUstar);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(Read(root_ / "short/name.txt"), "ustar");  // missing parent created
}

TEST_F(UnpackTest, OwnershipAppliedAsRootElseCounted) {
  TarItem f = File("owned", "x");
  f.uid = 1234;
  f.gid = 5678;
  auto r = Apply({f});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  if (geteuid() == 0) {
    EXPECT_EQ(Lstat(root_ / "owned").st_uid, 1234u);
    EXPECT_EQ(Lstat(root_ / "owned").st_gid, 5678u);
    EXPECT_EQ(r->ownership_skipped, 0u);
  } else {
    EXPECT_EQ(r->ownership_skipped, 1u);
  }
}

TEST_F(UnpackTest, UserXattrSetOrSkippedWithCount) {
  fs::path probe = tmp_.path() / "probe";
  std::ofstream(probe) << "";
  bool supported = setxattr(probe.c_str(), "user.probe", "1", 1, 0) == 0;
  fs::remove(probe);
  TarItem f = File("x", "data");
  f.xattrs = {{"user.cocoon", "value"}, {"trusted.overlay.opaque", "y"}};
  auto r = Apply({f});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  if (supported) {
    char buf[16] = {};
    ASSERT_EQ(getxattr((root_ / "x").c_str(), "user.cocoon", buf, sizeof buf), 5);
    EXPECT_EQ(std::string(buf), "value");
    EXPECT_EQ(r->xattrs_set, 1u);
    EXPECT_EQ(r->xattrs_skipped, 1u);  // trusted.overlay.* never set
  } else {
    EXPECT_EQ(r->xattrs_skipped, 2u);
  }
  char buf[4];
  EXPECT_LT(getxattr((root_ / "x").c_str(), "trusted.overlay.opaque", buf, sizeof buf), 0);
}

TEST_F(UnpackTest, DevicesAndFifosSkippedUnlessAllowed) {
  TarItem dev = Item(TarItem::kCharDev, "null", "", 0666);
  TarItem fifo = Item(TarItem::kFifo, "pipe", "", 0600);
  auto r = Apply({dev, fifo});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->devices_skipped, 2u);
  EXPECT_FALSE(fs::exists(fs::symlink_status(root_ / "null")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(root_ / "pipe")));
  UnpackOptions allow;
  allow.allow_devices = true;
  r = Apply({fifo}, allow);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_TRUE(S_ISFIFO(Lstat(root_ / "pipe").st_mode));
}

TEST_F(UnpackTest, WhiteoutsRemoveLowerEntriesOnly) {
  ASSERT_TRUE(
      Apply({Dir("a"), File("a/f1", "1"), File("a/f2", "2"), Dir("a/sub"), File("a/sub/deep", "3")})
          .has_value());
  auto r = Apply({File("a/.wh.f1", ""), File("a/.wh.sub", ""), File("a/new", "n"),
                  File("a/.wh.new", ""), File("a/.wh.absent", "")});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->whiteouts, 4u);  // the same-layer one counts but removes nothing
  EXPECT_FALSE(fs::exists(root_ / "a/f1"));
  EXPECT_FALSE(fs::exists(root_ / "a/sub"));
  EXPECT_EQ(Read(root_ / "a/f2"), "2");
  EXPECT_EQ(Read(root_ / "a/new"), "n");  // same-layer whiteout does not hide it
  EXPECT_FALSE(fs::exists(root_ / "a/.wh.f1"));
}

TEST_F(UnpackTest, OpaqueDirectoryKeepsOnlyThisLayersEntries) {
  ASSERT_TRUE(
      Apply({Dir("d"), File("d/old", "o"), Dir("d/sub"), File("d/sub/old2", "o2"), File("k", "")})
          .has_value());
  auto r =
      Apply({Dir("d"), File("d/before", "b"), File("d/.wh..wh..opq", ""), File("d/after", "a")});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->opaque_dirs, 1u);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(root_ / "d")) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"after", "before"}));
  EXPECT_TRUE(fs::exists(root_ / "k"));
}

TEST_F(UnpackTest, ReplacementFileOverDirAndDirOverFileAndLink) {
  ASSERT_TRUE(
      Apply({Dir("x"), File("x/inner", "i"), File("y", "file"), Symlink("z", "y")}).has_value());
  auto r = Apply({File("x", "now a file"), Dir("y"), File("y/in", "in"), File("z", "plain")});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(Read(root_ / "x"), "now a file");
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(root_ / "y")));
  EXPECT_EQ(Read(root_ / "y/in"), "in");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(root_ / "z")));
}

TEST_F(UnpackTest, RejectsAbsoluteName) {
  ExpectError(Apply({File("/etc/passwd", "pwned")}), Code::kInvalidArgument, "/etc/passwd");
}

TEST_F(UnpackTest, RejectsDotDotEscape) {
  ExpectError(Apply({File("../outside/etc/passwd", "pwned")}), Code::kPermissionDenied,
              "../outside/etc/passwd");
  ExpectError(Apply({File("a/../../x", "pwned")}), Code::kPermissionDenied, "a/../../x");
}

TEST_F(UnpackTest, RejectsWriteThroughAbsoluteSymlinkInSameLayer) {
  std::string outside_etc = (outside_ / "etc").string();
  ExpectError(Apply({Symlink("a", outside_etc), File("a/passwd", "pwned")}),
              Code::kPermissionDenied, "a/passwd");
  ExpectError(Apply({Symlink("b", "/etc"), File("b/passwd", "pwned")}), Code::kPermissionDenied,
              "b/passwd");
}

TEST_F(UnpackTest, RejectsWriteThroughRelativeEscapingSymlinkFromLowerLayer) {
  ASSERT_TRUE(Apply({Dir("d"), Symlink("d/up", "../../outside/etc")}).has_value());
  ExpectError(Apply({File("d/up/passwd", "pwned")}), Code::kPermissionDenied, "d/up/passwd");
  ExpectError(Apply({Dir("d/up/newdir")}), Code::kPermissionDenied, "d/up/newdir/");
  ExpectError(Apply({File("d/up/.wh.passwd", "")}), Code::kPermissionDenied, "d/up/.wh.passwd");
}

TEST_F(UnpackTest, InRootSymlinkParentsAreFollowed) {
  auto r = Apply({Dir("usr/lib"), Symlink("lib", "usr/lib"), File("lib/libc.so", "c")});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(Read(root_ / "usr/lib/libc.so"), "c");
}

TEST_F(UnpackTest, FileOverSymlinkReplacesTheLinkNotItsTarget) {
  std::string target = (outside_ / "etc" / "passwd").string();
  auto r = Apply({Symlink("p", target), File("p", "in root")});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(Read(root_ / "p"), "in root");
}

TEST_F(UnpackTest, RejectsHardlinkOutOfTheRoot) {
  ExpectError(Apply({Hardlink("h", "../../outside/etc/passwd")}), Code::kPermissionDenied, "h");
  ExpectError(Apply({Symlink("s", (outside_ / "etc").string()), Hardlink("h2", "s/passwd")}),
              Code::kPermissionDenied, "h2");
  ExpectError(Apply({Hardlink("h3", "missing")}), Code::kNotFound, "h3");
  // A hard link to a symlink links the symlink itself.
  auto r = Apply({Symlink("s2", "/etc/passwd"), Hardlink("h4", "s2")});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_TRUE(fs::is_symlink(root_ / "h4"));
}

TEST_F(UnpackTest, WalkFallbackRefusesSymlinkParentsToo) {
  internal::ForceWalkFallbackForTesting(true);
  ExpectError(Apply({Symlink("a", "/etc"), File("a/passwd", "pwned")}), Code::kPermissionDenied,
              "a/passwd");
  auto r = Apply({Dir("ok"), File("ok/f", "fine"), File("deep/er/f", "made")});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(Read(root_ / "deep/er/f"), "made");
}

TEST_F(UnpackTest, PathLengthLimitAtAndPastTheLimit) {
  UnpackOptions o;
  o.max_path_bytes = 100;
  std::string at(100, 'a'), past(101, 'b');
  ASSERT_TRUE(Apply({File(at, "")}, o).has_value());
  auto r = Apply({File(past, "")}, o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kResourceExhausted);
  EXPECT_NE(r.error().message().find("kTarPathMaxBytes"), std::string::npos);
}

TEST_F(UnpackTest, EntryCountLimitAtAndPastTheLimit) {
  UnpackOptions o;
  o.max_entries = 3;
  ASSERT_TRUE(Apply({File("1", ""), File("2", ""), File("3", "")}, o).has_value());
  auto r = Apply({File("1", ""), File("2", ""), File("3", ""), File("4", "")}, o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kResourceExhausted);
  EXPECT_NE(r.error().message().find("more than 3 entries (limit max_entries"), std::string::npos);
}

// A ustar header for a regular file `name` declaring `size` bytes (GNU base-256 size field, so
// sizes past the octal field's 8 GiB work), with no data after it: a bomb's first header.
std::string BombHeader(const std::string& name, uint64_t size) {
  std::string h(512, '\0');
  h.replace(0, name.size(), name);
  h.replace(100, 7, "0000644");
  h.replace(108, 7, "0000000");
  h.replace(116, 7, "0000000");
  h[124] = static_cast<char>(0x80);
  for (int i = 0; i < 8; ++i) h[135 - i] = static_cast<char>((size >> (8 * i)) & 0xff);
  h.replace(136, 11, "14530000000");
  h[156] = '0';
  h.replace(257, 6, std::string("ustar\0", 6));
  h.replace(263, 2, "00");
  h.replace(148, 8, "        ");
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  h.replace(148, 7, std::string(chk, 6) + '\0');
  return h;
}

// Issue 11 item 6: a layer declaring 9 GiB is refused on its header with the default limit,
// before a byte of it is written, and the error names the limit.
TEST_F(UnpackTest, TarBombDeclaringMoreThanTheDefaultBytesIsRefused) {
  EXPECT_EQ(UnpackOptions{}.max_bytes, 8ULL << 30);
  StringSource bomb(BombHeader("bomb", 9ULL << 30) + std::string(1024, '\0'));
  auto r = UnpackLayer(bomb, fd_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kResourceExhausted) << r.error().ToString();
  EXPECT_NE(r.error().message().find("(limit max_bytes"), std::string::npos);
  EXPECT_NE(r.error().message().find("'bomb'"), std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "bomb"));
}

TEST_F(UnpackTest, UnpackedBytesLimitAtAndPastTheLimit) {
  UnpackOptions o;
  o.max_bytes = 1000;
  ASSERT_TRUE(Apply({File("a", std::string(600, 'a')), File("b", std::string(400, 'b')),
                     Hardlink("c", "a")},
                    o)
                  .has_value());
  auto r = Apply({File("a", std::string(600, 'a')), File("b", std::string(401, 'b'))}, o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kResourceExhausted);
  EXPECT_NE(r.error().message().find("more than 1000 bytes"), std::string::npos)
      << r.error().message();
}

TEST_F(UnpackTest, PathDepthLimitAtAndPastTheLimit) {
  EXPECT_EQ(UnpackOptions{}.max_depth, 128u);
  auto deep = [](size_t depth) {
    std::string path = "d";
    for (size_t i = 1; i < depth; ++i) path += "/d";
    return path;
  };
  ASSERT_TRUE(Apply({Dir(deep(128))}).has_value());
  auto r = Apply({File(deep(129), "x")});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kResourceExhausted);
  EXPECT_NE(r.error().message().find("129 levels deep, more than 128 (limit max_depth"),
            std::string::npos)
      << r.error().message();
}

TEST_F(UnpackTest, TruncatedAndGarbageArchivesAreDataLoss) {
  std::string tar = BuildTar({File("f", std::string(5000, 'x'))});
  StringSource truncated(tar.substr(0, 2048));
  auto r = UnpackLayer(truncated, fd_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kDataLoss) << r.error().ToString();
  StringSource garbage(std::string(4096, 'g'));
  r = UnpackLayer(garbage, fd_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kDataLoss) << r.error().ToString();
}

TEST_F(UnpackTest, SourceErrorPropagatesAndTrailingBytesAreDrained) {
  std::string tar = BuildTar({File("f", std::string(50000, 'x'))});
  StringSource failing(tar, 1000, 20000);
  auto r = UnpackLayer(failing, fd_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnavailable);
  StringSource padded(tar + std::string(8192, '\0'));
  ASSERT_TRUE(UnpackLayer(padded, fd_).has_value());
  EXPECT_EQ(padded.position(), tar.size() + 8192);
}

TEST_F(UnpackTest, GzipLayerThroughPipeOnTwoThreads) {
  std::string tar = BuildTar({Dir("etc"), File("etc/hello", std::string(300000, 'h'))});
  Pipe pipe(4096);
  DecompressingSink gunzip(Compression::kGzip, &pipe.writer());
  std::string gz;
  {
    struct Collect final : Sink {
      std::string* s;
      Status Write(std::span<const uint8_t> d) override {
        s->append(reinterpret_cast<const char*>(d.data()), d.size());
        return Ok();
      }
      Status Finish() override { return Ok(); }
    } collect;
    collect.s = &gz;
    CompressingSink c(Compression::kGzip, &collect);
    ASSERT_TRUE(c.Write(AsBytes(tar)).has_value());
    ASSERT_TRUE(c.Finish().has_value());
  }
  Result<UnpackStats> result = Internal("not run");
  std::thread consumer([&] {
    result = UnpackLayer(pipe.reader(), fd_);
    if (!result) pipe.Abort(result.error());
  });
  Status st = gunzip.Write(AsBytes(gz));
  if (st) st = gunzip.Finish();
  if (!st) pipe.Abort(st.error());
  consumer.join();
  ASSERT_TRUE(st.has_value()) << st.error().ToString();
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  EXPECT_EQ(Read(root_ / "etc/hello"), std::string(300000, 'h'));
}

class StagedTest : public ::testing::Test {
 protected:
  size_t Entries() {
    return std::distance(fs::directory_iterator(tmp_.path()), fs::directory_iterator{});
  }
  testutil::TempDir tmp_;
};

TEST_F(StagedTest, CommitMakesTheRootfsVisible) {
  std::string target = tmp_.File("bundle");
  auto stage = StagedRootfs::Create(target);
  ASSERT_TRUE(stage.has_value()) << stage.error().ToString();
  EXPECT_FALSE(fs::exists(target));
  StringSource l1(BuildTar({File("a", "1")})), l2(BuildTar({File("b", "2")}));
  ASSERT_TRUE(stage->ApplyLayer(l1).has_value());
  ASSERT_TRUE(stage->ApplyLayer(l2).has_value());
  EXPECT_FALSE(fs::exists(target));
  ASSERT_TRUE(stage->Commit().has_value());
  EXPECT_TRUE(fs::exists(target + "/rootfs/a"));
  EXPECT_TRUE(fs::exists(target + "/rootfs/b"));
  EXPECT_EQ(Entries(), 1u);  // no staging leftovers
  auto again = stage->Commit();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), Code::kFailedPrecondition);
}

TEST_F(StagedTest, FailingSecondLayerLeavesNothing) {
  std::string target = tmp_.File("bundle");
  {
    auto stage = StagedRootfs::Create(target);
    ASSERT_TRUE(stage.has_value());
    StringSource l1(BuildTar({Dir("ro", 0500), File("ro/f", "1", 0400)}));
    StringSource l2(BuildTar({File("../escape", "x")}));
    ASSERT_TRUE(stage->ApplyLayer(l1).has_value());
    auto r = stage->ApplyLayer(l2);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
    auto c = stage->Commit();
    ASSERT_FALSE(c.has_value());
    EXPECT_EQ(c.error().code(), Code::kFailedPrecondition);
  }
  EXPECT_FALSE(fs::exists(target));
  EXPECT_EQ(Entries(), 0u);
}

TEST_F(StagedTest, ExistingTargetIsRefused) {
  fs::create_directory(tmp_.File("bundle"));
  auto stage = StagedRootfs::Create(tmp_.File("bundle"));
  ASSERT_FALSE(stage.has_value());
  EXPECT_EQ(stage.error().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace cocoon::image
