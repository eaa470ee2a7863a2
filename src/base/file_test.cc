#include "base/file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace cocoon::base {
namespace {

TEST(FileTest, LimitAtAndOnePast) {
  std::string path = "/tmp/cocoon-file-test-" + std::to_string(::getpid());
  std::ofstream(path) << std::string(100, 'x');
  EXPECT_EQ(ReadFile(path, "t", 100)->size(), 100u);
  auto over = ReadFile(path, "t", 99);
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code(), Code::kResourceExhausted);
  std::remove(path.c_str());
  EXPECT_EQ(ReadFile(path, "t").error().code(), Code::kNotFound);
  EXPECT_EQ(ReadFile("/tmp", "t").error().code(), Code::kInvalidArgument);
}

// /proc and sysfs files report sizes (0, 4096) unrelated to their content.
TEST(FileTest, PseudoFilesAreReadByContent) {
  auto status = ReadFile("/proc/self/status", "status", 64 * 1024);
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(status->find("Name:"), std::string::npos);
  auto online = ReadFile("/sys/devices/system/cpu/online", "cpus", 256);  // stat says 4096
  ASSERT_TRUE(online.has_value()) << online.error().ToString();
  EXPECT_EQ(online->front(), '0');
}

}  // namespace
}  // namespace cocoon::base
