// Tests for the runtime config derived from an image config: args, env, cwd, user resolution
// against a real rootfs directory (names, numeric ids, groups), defaults, and bad input.
#include "image/bundle.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testutil/temp_dir.h"

namespace cocoon::image {
namespace {

namespace fs = std::filesystem;

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(tmp_.path() / "rootfs/etc");
    std::ofstream(tmp_.path() / "rootfs/etc/passwd")
        << "root:x:0:0:root:/root:/bin/sh\nwww:x:33:44:www:/var/www:/bin/sh\n"
           "app:x:1000:1000::/home/app:/bin/sh\nbroken line\n";
    std::ofstream(tmp_.path() / "rootfs/etc/group")
        << "root:x:0:\nwww:x:44:\nextra:x:99:www,app\nstaff:x:50:\n";
    fd_ = open((tmp_.path() / "rootfs").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override { close(fd_); }

  Result<Json> Config(const Json& config, BundleOptions o = {}) {
    o.rootfs_dirfd = fd_;
    Json image = {{"architecture", "amd64"}, {"os", "linux"}, {"config", config}};
    return RuntimeConfigFromImageConfig(image, o);
  }

  testutil::TempDir tmp_;
  int fd_ = -1;
};

TEST_F(BundleTest, BusyboxLikeConfig) {
  Json config = {{"User", "www"},
                 {"Env", {"FOO=bar"}},
                 {"Entrypoint", {"/bin/sh", "-c"}},
                 {"Cmd", {"echo hi"}},
                 {"WorkingDir", "/srv"},
                 {"Labels", {{"org.opencontainers.image.title", "t"}, {"other", "x"}}},
                 {"ExposedPorts", {{"80/tcp", Json::object()}}},
                 {"Volumes", {{"/data", Json::object()}}}};
  auto spec = Config(config);
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  const Json& p = (*spec)["process"];
  EXPECT_EQ(p["args"], Json({"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(p["env"], Json({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                            "TERM=xterm", "FOO=bar", "HOME=/var/www"}));
  EXPECT_EQ(p["cwd"], "/srv");
  EXPECT_EQ(p["user"], Json({{"uid", 33}, {"gid", 44}, {"additionalGids", {99}}}));
  EXPECT_EQ(p["terminal"], false);
  EXPECT_EQ((*spec)["root"]["path"], "rootfs");
  EXPECT_EQ((*spec)["annotations"]["org.opencontainers.image.title"], "t");
  EXPECT_EQ((*spec)["annotations"]["other"], "x");
  EXPECT_EQ((*spec)["annotations"]["org.opencontainers.image.exposedPorts"], "80/tcp");
  EXPECT_EQ((*spec)["annotations"]["org.opencontainers.image.os"], "linux");
  std::vector<std::string> dests, ns;
  for (const Json& m : (*spec)["mounts"]) dests.push_back(m["destination"]);
  for (const Json& n : (*spec)["linux"]["namespaces"]) ns.push_back(n["type"]);
  EXPECT_EQ(dests, (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue",
                                             "/sys", "/sys/fs/cgroup", "/data"}));
  EXPECT_EQ(ns, (std::vector<std::string>{"pid", "network", "ipc", "uts", "mount"}));
  EXPECT_EQ(p["capabilities"]["bounding"],
            Json({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}));
}

TEST_F(BundleTest, ArgsOverrideReplacesCmdOnly) {
  BundleOptions o;
  o.args = std::vector<std::string>{"ls", "-l"};
  auto spec = Config({{"Entrypoint", {"/entry"}}, {"Cmd", {"default"}}}, o);
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ((*spec)["process"]["args"], Json({"/entry", "ls", "-l"}));
}

TEST_F(BundleTest, DefaultsWhenConfigIsEmpty) {
  auto spec = Config(Json::object());
  ASSERT_TRUE(spec.has_value());
  const Json& p = (*spec)["process"];
  EXPECT_EQ(p["cwd"], "/");
  EXPECT_EQ(p["user"], Json({{"uid", 0}, {"gid", 0}}));
  EXPECT_EQ(p["env"][0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  EXPECT_EQ(p["env"].back(), "HOME=/root");
}

TEST_F(BundleTest, ImagePathOverridesDefault) {
  auto spec = Config({{"Env", {"PATH=/opt/bin", "HOME=/h"}}});
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ((*spec)["process"]["env"], Json({"PATH=/opt/bin", "TERM=xterm", "HOME=/h"}));
}

TEST_F(BundleTest, UserForms) {
  auto u = ResolveUser("1000", fd_);  // numeric with a passwd entry: gid and home from it
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 1000u);
  EXPECT_EQ(u->home, "/home/app");
  EXPECT_EQ(u->additional_gids, std::vector<uint32_t>{99});
  u = ResolveUser("4242:4343", fd_);  // numeric without entries: used directly
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->uid, 4242u);
  EXPECT_EQ(u->gid, 4343u);
  EXPECT_EQ(u->home, "/");
  u = ResolveUser("www:staff", fd_);  // explicit group: no supplementary groups
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->gid, 50u);
  EXPECT_TRUE(u->additional_gids.empty());
  u = ResolveUser("4242", -1);  // no rootfs: numeric still works
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->uid, 4242u);
}

TEST_F(BundleTest, UserErrors) {
  auto u = ResolveUser("nobody-here", fd_);
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code(), Code::kNotFound);
  EXPECT_NE(u.error().message().find("nobody-here"), std::string::npos);
  u = ResolveUser("www:nogroup", fd_);
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code(), Code::kNotFound);
  u = ResolveUser("www:", fd_);
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code(), Code::kInvalidArgument);
}

TEST_F(BundleTest, PasswdSymlinkOutOfRootfsIsRefused) {
  fs::remove(tmp_.path() / "rootfs/etc/passwd");
  fs::create_symlink("/etc/passwd", tmp_.path() / "rootfs/etc/passwd");
  auto u = ResolveUser("root", fd_);
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code(), Code::kPermissionDenied);
}

TEST_F(BundleTest, BadImageConfigs) {
  auto r = RuntimeConfigFromImageConfig(Json::array());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  r = RuntimeConfigFromImageConfig({{"os", "windows"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  r = Config({{"Cmd", "not-a-list"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  r = Config({{"Env", {1, 2}}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

TEST_F(BundleTest, WriteBundleWritesConfigJson) {
  auto spec = Config({{"Cmd", {"/bin/true"}}});
  ASSERT_TRUE(spec.has_value());
  ASSERT_TRUE(WriteBundle(tmp_.path().string(), *spec).has_value());
  std::ifstream in(tmp_.path() / "config.json");
  Json back = Json::parse(in, nullptr, false);
  EXPECT_EQ(back, *spec);
  auto bad = WriteBundle((tmp_.path() / "missing").string(), *spec);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kInternal);
}

}  // namespace
}  // namespace cocoon::image
