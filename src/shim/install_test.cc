// The node installer without a node: containerd's config rewritten from the operator's file, and
// install/uninstall into a scratch host root (no systemctl). tests/cri_e2e_test.cc runs a pod on
// a real containerd with the config the installer writes.
#include "shim/install.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <filesystem>
#include <map>

#include "base/file.h"
#include "testutil/temp_dir.h"

namespace cocoon::shim {
namespace {

namespace fs = std::filesystem;

// Debian's /etc/containerd/config.toml as the containerd package ships it.
constexpr std::string_view kDebianDefault = R"(version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"
)";

toml::table Parse(const std::string& s) { return toml::parse(s); }

TEST(ContainerdConfig, DebiansDefaultGainsTheRuntimeTheSnapshotterAndKeepsRunc) {
  InstallOptions o;
  auto out = ContainerdConfigWithCocoon(kDebianDefault, o);
  ASSERT_TRUE(out) << out.error().message();
  auto t = Parse(*out);
  auto cri = t["plugins"]["io.containerd.grpc.v1.cri"];
  EXPECT_EQ(cri["cni"]["bin_dir"].value_or(std::string()), "/usr/lib/cni");
  EXPECT_EQ(t["plugins"]["io.containerd.internal.v1.opt"]["path"].value_or(std::string()),
            "/var/lib/containerd/opt");
  auto ctd = cri["containerd"];
  EXPECT_EQ(ctd["snapshotter"].value_or(std::string()), "cocoon");
  EXPECT_EQ(ctd["disable_snapshot_annotations"].value_or(true), false);
  EXPECT_EQ(ctd["runtimes"]["runc"]["runtime_type"].value_or(std::string()),
            "io.containerd.runc.v2");
  auto rt = ctd["runtimes"]["cocoon"];
  EXPECT_EQ(rt["runtime_type"].value_or(std::string()), "io.containerd.cocoon.v2");
  EXPECT_EQ(rt["runtime_path"].value_or(std::string()),
            "/opt/cocoon/bin/containerd-shim-cocoon-v2");
  EXPECT_EQ(rt["options"]["ConfigPath"].value_or(std::string()), "/etc/cocoon/shim.toml");
  EXPECT_EQ(rt["privileged_without_host_devices"].value_or(false), true);
  ASSERT_TRUE(rt["pod_annotations"].as_array());
  EXPECT_EQ(rt["pod_annotations"][0].value_or(std::string()),
            "io.katacontainers.config.hypervisor.cc_init_data");
  EXPECT_EQ(t["proxy_plugins"]["cocoon"]["type"].value_or(std::string()), "snapshot");
  EXPECT_EQ(t["proxy_plugins"]["cocoon"]["address"].value_or(std::string()),
            "/run/cocoon/snapshotter.sock");
  EXPECT_EQ(t["version"].value_or(0), 2);
}

TEST(ContainerdConfig, RewritingItsOwnOutputChangesNothing) {
  InstallOptions o;
  auto once = ContainerdConfigWithCocoon(kDebianDefault, o);
  ASSERT_TRUE(once);
  auto twice = ContainerdConfigWithCocoon(*once, o);
  ASSERT_TRUE(twice);
  EXPECT_EQ(*once, *twice);
}

TEST(ContainerdConfig, KeepsTheOperatorsRuntimesAndPlugins) {
  InstallOptions o;
  o.sandbox_image = "registry.example/pause:3.9";
  auto out = ContainerdConfigWithCocoon(R"(version = 2
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "crun"
  snapshotter = "overlayfs"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options]
      BinaryName = "/usr/bin/crun"
[proxy_plugins.stargz]
  type = "snapshot"
  address = "/run/stargz.sock"
)",
                                        o);
  ASSERT_TRUE(out) << out.error().message();
  auto t = Parse(*out);
  auto ctd = t["plugins"]["io.containerd.grpc.v1.cri"]["containerd"];
  EXPECT_EQ(ctd["default_runtime_name"].value_or(std::string()), "crun");
  EXPECT_EQ(ctd["runtimes"]["crun"]["options"]["BinaryName"].value_or(std::string()),
            "/usr/bin/crun");
  EXPECT_FALSE(ctd["runtimes"]["runc"]) << "runc is restated only when it is the default";
  EXPECT_EQ(ctd["snapshotter"].value_or(std::string()), "cocoon");
  EXPECT_EQ(t["proxy_plugins"]["stargz"]["address"].value_or(std::string()), "/run/stargz.sock");
  EXPECT_EQ(t["plugins"]["io.containerd.grpc.v1.cri"]["sandbox_image"].value_or(std::string()),
            "registry.example/pause:3.9");
}

TEST(ContainerdConfig, NoFileGivesAVersion2Config) {
  auto out = ContainerdConfigWithCocoon("", InstallOptions{});
  ASSERT_TRUE(out) << out.error().message();
  auto t = Parse(*out);
  EXPECT_EQ(t["version"].value_or(0), 2);
  EXPECT_TRUE(t["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["runc"]);
}

TEST(ContainerdConfig, RefusesVersion1AndBrokenFilesNamingTheProblem) {
  auto v1 = ContainerdConfigWithCocoon("[plugins.cri]\n  sandbox_image = \"x\"\n", {});
  ASSERT_FALSE(v1);
  EXPECT_NE(v1.error().message().find("version 1"), std::string::npos) << v1.error().message();
  auto broken = ContainerdConfigWithCocoon("version = 2\n[plugins\n", {});
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("line 2"), std::string::npos)
      << broken.error().message();
  auto wrong = ContainerdConfigWithCocoon("version = 2\nproxy_plugins = 3\n", {});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message().find("proxy_plugins is not a table"), std::string::npos)
      << wrong.error().message();
}

// Every regular file and link under `root` with its bytes (links: their target).
std::map<std::string, std::string> Tree(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string rel = fs::relative(e.path(), root).string();
    if (e.is_symlink()) {
      out[rel] = "-> " + fs::read_symlink(e.path()).string();
    } else if (e.is_regular_file()) {
      out[rel] = base::ReadFile(e.path().string()).value_or("?");
    } else if (e.is_directory() && fs::is_empty(e.path())) {
      out[rel + "/"] = "";
    }
  }
  return out;
}

class Installer : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.File("src"));
    for (const auto& b : InstalledBinaries()) dir_.Write("src/" + b, "binary " + b);
    fs::create_directories(dir_.File("host/etc/containerd"));
    dir_.Write("host/etc/containerd/config.toml", std::string(kDebianDefault) + "# operator's\n");
    o_.host_root = dir_.File("host");
    o_.source_dir = dir_.File("src");
    o_.restart = false;
  }
  std::string Host(const std::string& p) const { return dir_.File("host") + p; }

  testutil::TempDir dir_;
  InstallOptions o_;
};

TEST_F(Installer, InstallsIdempotentlyAndUninstallLeavesTheNodeAsItWas) {
  auto before = Tree(dir_.File("host"));
  auto first = InstallContainerd(o_);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(base::ReadFile(Host("/opt/cocoon/bin/cocoon-agent")).value_or(""),
            "binary cocoon-agent");
  EXPECT_EQ(fs::read_symlink(Host("/usr/local/bin/containerd-shim-cocoon-v2")),
            "/opt/cocoon/bin/containerd-shim-cocoon-v2");
  EXPECT_EQ(base::ReadFile(Host("/etc/containerd/config.toml.cocoon-orig")).value_or(""),
            std::string(kDebianDefault) + "# operator's\n");
  auto config = base::ReadFile(Host("/etc/containerd/config.toml"));
  ASSERT_TRUE(config);
  EXPECT_NE(config->find("io.containerd.cocoon.v2"), std::string::npos) << *config;
  auto unit = base::ReadFile(Host("/etc/systemd/system/cocoon-snapshotter.service"));
  ASSERT_TRUE(unit);
  EXPECT_NE(unit->find("ExecStart=/opt/cocoon/bin/cocoon-snapshotter --root "
                       "/var/lib/cocoon-snapshotter --address /run/cocoon/snapshotter.sock"),
            std::string::npos)
      << *unit;
  EXPECT_TRUE(fs::exists(Host("/etc/cocoon/shim.toml")));
  auto installed = Tree(dir_.File("host"));

  auto second = InstallContainerd(o_);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_TRUE(second->changed.empty()) << second->changed.front();
  EXPECT_EQ(Tree(dir_.File("host")), installed);

  auto removed = UninstallContainerd(o_);
  ASSERT_TRUE(removed) << removed.error().message();
  auto after = Tree(dir_.File("host"));
  // Directories the install created stay only if they were there before (e.g. /etc/systemd).
  for (auto it = after.begin(); it != after.end();) {
    it = it->first.ends_with("/") && !before.contains(it->first) ? after.erase(it) : std::next(it);
  }
  EXPECT_EQ(after, before);
  auto again = UninstallContainerd(o_);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->changed.empty());
}

TEST_F(Installer, AnOperatorsShimConfigIsNeitherReplacedNorRemoved) {
  fs::create_directories(Host("/etc/cocoon"));
  dir_.Write("host/etc/cocoon/shim.toml", "[vm]\nmemory_mib = 4096\n");
  ASSERT_TRUE(InstallContainerd(o_));
  ASSERT_TRUE(UninstallContainerd(o_));
  EXPECT_EQ(base::ReadFile(Host("/etc/cocoon/shim.toml")).value_or(""), "[vm]\nmemory_mib = 4096\n");
}

TEST_F(Installer, RefusesWhatItWouldBreakBeforeTouchingAnything) {
  fs::create_directories(Host("/usr/local/bin"));
  dir_.Write("host/usr/local/bin/containerd-shim-cocoon-v2", "someone else's");
  auto r = InstallContainerd(o_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("usr/local/bin/containerd-shim-cocoon-v2 exists"),
            std::string::npos)
      << r.error().message();

  fs::remove(Host("/usr/local/bin/containerd-shim-cocoon-v2"));
  dir_.Write("host/etc/containerd/config.toml", "[plugins.cri]\n");
  auto v1 = InstallContainerd(o_);
  ASSERT_FALSE(v1);
  EXPECT_NE(v1.error().message().find("config.toml: containerd config: version 1"),
            std::string::npos)
      << v1.error().message();
  EXPECT_FALSE(fs::exists(Host("/opt/cocoon"))) << "nothing is installed when the config is refused";

  fs::remove(dir_.File("src/cocoon-agent"));
  auto missing = InstallContainerd(o_);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("src/cocoon-agent does not exist"), std::string::npos)
      << missing.error().message();
}

}  // namespace
}  // namespace cocoon::shim
