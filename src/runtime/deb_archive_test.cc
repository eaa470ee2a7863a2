// .deb reading against packages built by dpkg-deb (xz and gzip members).
#include "runtime/deb_archive.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/subprocess.h"
#include "testutil/temp_dir.h"

namespace cocoon::runtime {
namespace {

namespace fs = std::filesystem;

std::string BuildDeb(const testutil::TempDir& dir, const std::string& compression) {
  fs::path root = dir.path() / ("pkg-" + compression);
  fs::create_directories(root / "DEBIAN");
  fs::create_directories(root / "usr/bin");
  std::ofstream(root / "DEBIAN/control") << "Package: cocoon-test\nVersion: 1.2-3\n"
                                            "Architecture: amd64\nMaintainer: t <t@t>\n"
                                            "Description: test\n";
  std::ofstream(root / "usr/bin/tool") << "tool-bytes";
  std::ofstream(root / "usr/bin/other") << "other-bytes";
  fs::create_symlink("tool", root / "usr/bin/link");
  std::string deb = dir.File("t-" + compression + ".deb");
  auto r = base::RunCommand(
      {"dpkg-deb", "--root-owner-group", "-Z" + compression, "--build", root.string(), deb});
  EXPECT_TRUE(r);
  EXPECT_EQ(r->exit_code, 0) << r->err;
  return deb;
}

TEST(DebArchive, ReadsControlFields) {
  testutil::TempDir dir;
  auto c = ReadDebControl(BuildDeb(dir, "xz"));
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->package, "cocoon-test");
  EXPECT_EQ(c->version, "1.2-3");
  EXPECT_EQ(c->architecture, "amd64");
  EXPECT_EQ(ControlField("A: 1\nVersion:  2 \n", "Version"), "2");
  EXPECT_EQ(ControlField("Versions: 1\n", "Version"), "");
}

TEST(DebArchive, WalksDataReadingOnlyWantedFiles) {
  testutil::TempDir dir;
  for (const std::string z : {"xz", "gzip"}) {
    std::map<std::string, DebEntry> seen;
    auto st = ForEachDebEntry(
        BuildDeb(dir, z), [](std::string_view p) { return p == "usr/bin/tool"; },
        [&](DebEntry& e) -> Status {
          seen[e.path] = e;
          return Ok();
        });
    ASSERT_TRUE(st) << st.error().ToString();
    ASSERT_TRUE(seen.contains("usr/bin/tool")) << z;
    EXPECT_EQ(seen["usr/bin/tool"].data, "tool-bytes");
    EXPECT_EQ(seen["usr/bin/tool"].type, DebEntryType::kFile);
    EXPECT_EQ(seen["usr/bin/other"].data, "");  // not wanted: not read
    EXPECT_EQ(seen["usr/bin/link"].type, DebEntryType::kSymlink);
    EXPECT_EQ(seen["usr/bin/link"].link_target, "tool");
    EXPECT_EQ(seen["usr"].type, DebEntryType::kDirectory);
  }
}

TEST(DebArchive, ErrorsNameTheCause) {
  testutil::TempDir dir;
  EXPECT_EQ(ReadDebControl(dir.File("missing.deb")).error().code(), Code::kNotFound);
  dir.Write("junk.deb", "this is not an ar archive");
  EXPECT_EQ(ReadDebControl(dir.File("junk.deb")).error().code(), Code::kDataLoss);
  std::string deb = BuildDeb(dir, "xz");
  auto stop = ForEachDebEntry(
      deb, [](std::string_view) { return true; },
      [](DebEntry&) -> Status { return NotFound("stop here"); });
  EXPECT_EQ(stop.error().message(), "stop here");
  auto big = ForEachDebEntry(
      deb, [](std::string_view) { return true; }, [](DebEntry&) { return Ok(); }, 4);
  EXPECT_EQ(big.error().code(), Code::kResourceExhausted);
}

}  // namespace
}  // namespace cocoon::runtime
