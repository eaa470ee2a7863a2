// CpioBuilder and GzipDeterministic: archives read back by libarchive and by GNU cpio, fixed
// metadata, order independence, path checks, gzip header bytes.
#include "runtime/cpio_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "base/subprocess.h"
#include "testutil/temp_dir.h"

namespace cocoon::runtime {
namespace {

struct ReadEntry {
  std::string path;
  unsigned type;
  unsigned perm;
  int64_t uid, gid, ino, mtime;
  unsigned nlink;
  std::string data;
};

std::vector<ReadEntry> ReadBack(const std::string& bytes) {
  std::vector<ReadEntry> out;
  archive* a = archive_read_new();
  archive_read_support_format_cpio(a);
  EXPECT_EQ(archive_read_open_memory(a, bytes.data(), bytes.size()), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    ReadEntry r{archive_entry_pathname(e), archive_entry_filetype(e), archive_entry_perm(e),
                archive_entry_uid(e),      archive_entry_gid(e),      archive_entry_ino64(e),
                archive_entry_mtime(e),    archive_entry_nlink(e),    ""};
    if (r.type == AE_IFLNK) r.data = archive_entry_symlink(e);
    std::string buf(static_cast<size_t>(archive_entry_size(e)), '\0');
    if (r.type == AE_IFREG && !buf.empty()) archive_read_data(a, buf.data(), buf.size());
    if (r.type == AE_IFREG) r.data = buf;
    out.push_back(r);
  }
  archive_read_free(a);
  return out;
}

CpioBuilder Sample() {
  CpioBuilder b;
  EXPECT_TRUE(b.AddFile("/init", "#!/bin/sh\necho hi\n", 0755));
  EXPECT_TRUE(b.AddSymlink("bin/sh", "busybox"));
  EXPECT_TRUE(b.AddFile("bin/busybox", std::string(1001, 'b'), 0755));
  EXPECT_TRUE(b.AddDirectory("tmp", 01777));
  EXPECT_TRUE(b.AddFile("lib/modules/6.1/kernel/a.ko", "abc"));
  return b;
}

TEST(CpioBuilder, ReadsBackWithFixedMetadataInSortedOrder) {
  auto entries = ReadBack(Sample().Serialize(1234));
  std::vector<std::string> paths;
  for (const auto& e : entries) paths.push_back(e.path);
  EXPECT_EQ(paths,
            (std::vector<std::string>{"bin", "bin/busybox", "bin/sh", "init", "lib", "lib/modules",
                                      "lib/modules/6.1", "lib/modules/6.1/kernel",
                                      "lib/modules/6.1/kernel/a.ko", "tmp"}));
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].ino, static_cast<int64_t>(i + 1)) << entries[i].path;
    EXPECT_EQ(entries[i].uid, 0);
    EXPECT_EQ(entries[i].gid, 0);
    EXPECT_EQ(entries[i].mtime, 1234);
  }
  EXPECT_EQ(entries[0].type, unsigned{AE_IFDIR});
  EXPECT_EQ(entries[0].perm, 0755u);  // implied parent
  EXPECT_EQ(entries[1].data, std::string(1001, 'b'));
  EXPECT_EQ(entries[1].perm, 0755u);
  EXPECT_EQ(entries[2].type, unsigned{AE_IFLNK});
  EXPECT_EQ(entries[2].data, "busybox");
  EXPECT_EQ(entries[3].data, "#!/bin/sh\necho hi\n");
  EXPECT_EQ(entries[8].data, "abc");
  EXPECT_EQ(entries[8].perm, 0644u);
  EXPECT_EQ(entries[9].perm, 01777u);
}

TEST(CpioBuilder, NewcFramingAndTrailer) {
  std::string bytes = Sample().Serialize(0);
  EXPECT_EQ(bytes.substr(0, 6), "070701");
  EXPECT_EQ(bytes.size() % 4, 0u);
  EXPECT_NE(bytes.find("TRAILER!!!"), std::string::npos);
  // First entry "bin": ino 1, mode 040755, uid 0, gid 0, nlink 2, mtime 0, size 0, namesize 4.
  EXPECT_EQ(bytes.substr(6, 104),
            "00000001000041ED000000000000000000000002000000000000000000000000"
            "0000000000000000000000000000000400000000");
}

TEST(CpioBuilder, GnuCpioListsAndExtractsIt) {
  testutil::TempDir dir;
  std::string archive = dir.File("a.cpio");
  std::ofstream(archive, std::ios::binary) << Sample().Serialize(0);
  auto list = base::RunCommand({"cpio", "-t", "--quiet", "-F", archive});
  ASSERT_TRUE(list) << list.error().ToString();
  ASSERT_EQ(list->exit_code, 0) << list->err;
  EXPECT_EQ(list->out,
            "bin\nbin/busybox\nbin/sh\ninit\nlib\nlib/modules\nlib/modules/6.1\n"
            "lib/modules/6.1/kernel\nlib/modules/6.1/kernel/a.ko\ntmp\n");
  std::string root = dir.File("x");
  std::filesystem::create_directory(root);
  auto x = base::RunCommand({"cpio", "-i", "--quiet", "-d", "-D", root, "-F", archive});
  ASSERT_TRUE(x);
  ASSERT_EQ(x->exit_code, 0) << x->err;
  EXPECT_EQ(*base::ReadFile(root + "/init"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(std::filesystem::read_symlink(root + "/bin/sh"), "busybox");
  EXPECT_EQ(*base::ReadFile(root + "/lib/modules/6.1/kernel/a.ko"), "abc");
}

TEST(CpioBuilder, SameEntriesInAnyOrderGiveSameBytes) {
  CpioBuilder b;
  ASSERT_TRUE(b.AddDirectory("tmp", 01777));
  ASSERT_TRUE(b.AddFile("lib/modules/6.1/kernel/a.ko", "abc"));
  ASSERT_TRUE(b.AddFile("bin/busybox", std::string(1001, 'b'), 0755));
  ASSERT_TRUE(b.AddSymlink("bin/sh", "busybox"));
  ASSERT_TRUE(b.AddFile("init", "#!/bin/sh\necho hi\n", 0755));
  EXPECT_EQ(b.Serialize(7), Sample().Serialize(7));
  EXPECT_NE(b.Serialize(7), Sample().Serialize(8));
}

TEST(CpioBuilder, RejectsBadPathsAndConflicts) {
  CpioBuilder b;
  for (const char* bad : {"", "/", "a/../b", "../x", "a//b", "a/./b", "a/"}) {
    auto st = b.AddFile(bad, "x");
    ASSERT_FALSE(st) << bad;
    EXPECT_EQ(st.error().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(b.AddFile("x", "1", 010644).error().code(), Code::kInvalidArgument);
  ASSERT_TRUE(b.AddFile("f", "1"));
  EXPECT_TRUE(b.AddFile("f", "1"));  // identical again: fine
  EXPECT_EQ(b.AddFile("f", "2").error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(b.AddSymlink("f", "t").error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(b.AddFile("f/g", "1").error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(b.AddSymlink("l", "").error().code(), Code::kInvalidArgument);
}

std::string Gunzip(const std::string& gz) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 16 + 15), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);  // also checks CRC-32 and ISIZE
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

TEST(GzipDeterministic, FixedHeaderAndRoundTrip) {
  std::string data = Sample().Serialize(0);
  auto gz = GzipDeterministic(data, 9);
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->substr(0, 10), std::string("\x1f\x8b\x08\0\0\0\0\0\x02\x03", 10));
  EXPECT_EQ(Gunzip(*gz), data);
  EXPECT_EQ(*GzipDeterministic(data, 9), *gz);
  auto fast = GzipDeterministic(data, 1);
  ASSERT_TRUE(fast);
  EXPECT_EQ((*fast)[8], '\x04');
  EXPECT_EQ(Gunzip(*fast), data);
  EXPECT_EQ(Gunzip(*GzipDeterministic("", 6)), "");
}

}  // namespace
}  // namespace cocoon::runtime
