// `cocoon guest build` end to end from the Debian packages scripts/setup caches: the same inputs
// give the same bytes, a changed input changes the digest, the manifest names the package
// versions, and the image boots under QEMU TCG with its modules loaded and crun running.
#include "runtime/guest_image.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "base/file.h"
#include "base/json.h"
#include "runtime/deb_archive.h"
#include "tests/harness.h"

namespace cocoon {
namespace {

using runtime::GuestImage;

class GuestImageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new harness::TempDir();
    Status st = runtime::UseDebDir(runtime::DefaultDebCacheDir(), spec_);
    if (!st) {
      setup_error_ = st.error().ToString() + " (run scripts/setup)";
      return;
    }
    // ctest runs each test in its own process: build once here, the second copy in its test.
    auto a = runtime::BuildGuestImage(spec_, dir_->File("a"));
    if (!a) {
      setup_error_ = a.error().ToString();
      return;
    }
    a_ = new GuestImage(*a);
  }
  static void TearDownTestSuite() {
    delete a_;
    delete dir_;
  }
  void SetUp() override { ASSERT_EQ(setup_error_, ""); }

  static inline harness::TempDir* dir_ = nullptr;
  static inline runtime::GuestImageSpec spec_;
  static inline GuestImage* a_ = nullptr;
  static inline std::string setup_error_;
};

TEST_F(GuestImageTest, SameInputsGiveSameBytes) {
  auto b = runtime::BuildGuestImage(spec_, dir_->File("b"));
  ASSERT_TRUE(b) << b.error().ToString();
  const GuestImage* b_ = &*b;
  EXPECT_EQ(a_->kernel.sha256, b_->kernel.sha256);
  EXPECT_EQ(a_->kernel.sha384, b_->kernel.sha384);
  EXPECT_EQ(a_->initramfs.sha256, b_->initramfs.sha256);
  EXPECT_EQ(a_->initramfs.sha384, b_->initramfs.sha384);
  EXPECT_EQ(a_->initramfs.sha384.size(), 96u);
  EXPECT_EQ(harness::ReadFile(a_->initramfs.path), harness::ReadFile(b_->initramfs.path));
  EXPECT_EQ(harness::ReadFile(a_->manifest), harness::ReadFile(b_->manifest));
}

TEST_F(GuestImageTest, ChangedInputChangesOnlyTheInitramfsDigest) {
  dir_->Write("extra.txt", "one more byte");
  runtime::GuestImageSpec spec = spec_;
  spec.extra_files.push_back({dir_->File("extra.txt"), "/etc/cocoon/extra.txt", 0644});
  auto c = runtime::BuildGuestImage(spec, dir_->File("c"));
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->kernel.sha256, a_->kernel.sha256);
  EXPECT_NE(c->initramfs.sha256, a_->initramfs.sha256);
  EXPECT_NE(c->initramfs.sha384, a_->initramfs.sha384);
  // So does SOURCE_DATE_EPOCH (every entry's mtime).
  spec = spec_;
  spec.mtime = 1700000000;
  auto d = runtime::BuildGuestImage(spec, dir_->File("d"));
  ASSERT_TRUE(d) << d.error().ToString();
  EXPECT_NE(d->initramfs.sha256, a_->initramfs.sha256);
}

TEST_F(GuestImageTest, ManifestNamesPackageVersionsAndModules) {
  auto kernel = runtime::ReadDebControl(spec_.kernel_deb);
  ASSERT_TRUE(kernel);
  auto j = base::ParseJson(harness::ReadFile(a_->manifest));
  ASSERT_TRUE(j) << j.error().ToString();
  std::map<std::string, std::string> versions;
  for (const auto& p : (*j)["packages"]) versions[p["name"]] = p["version"];
  EXPECT_EQ(versions[kernel->package], kernel->version);
  EXPECT_TRUE(versions.contains("busybox-static"));
  EXPECT_TRUE(versions.contains("crun"));
  EXPECT_TRUE(versions.contains("libc6:amd64"));  // crun's libraries, from the host
  EXPECT_EQ((*j)["initramfs"]["sha384"], a_->initramfs.sha384);
  EXPECT_EQ((*j)["kernel"]["sha256"], a_->kernel.sha256);
  EXPECT_EQ((*j)["kernel_version"], a_->kernel_version);
  auto& mods = a_->modules;
  for (const char* m : {"virtio_console", "virtio_net", "virtio_blk", "9pnet_virtio", "9p",
                        "overlay", "virtio_mmio", "virtio_pci"}) {
    EXPECT_NE(std::find(mods.begin(), mods.end(), m), mods.end()) << m;
  }
  // Dependencies load first.
  auto at = [&](const char* m) { return std::find(mods.begin(), mods.end(), m) - mods.begin(); };
  EXPECT_LT(at("virtio"), at("virtio_net"));
  EXPECT_LT(at("net_failover"), at("virtio_net"));
  EXPECT_LT(at("9pnet"), at("9p"));
  EXPECT_EQ(a_->builtin_modules, (std::vector<std::string>{"tpm_crb", "tpm_tis"}));
}

TEST_F(GuestImageTest, BootsUnderTcgWithModulesAndCrun) {
  harness::Process qemu({"/usr/bin/qemu-system-x86_64", "-accel", "tcg", "-M", "q35", "-m", "512",
                         "-nographic", "-no-reboot", "-kernel", a_->kernel.path, "-initrd",
                         a_->initramfs.path, "-append",
                         "console=ttyS0 panic=-1 quiet mitigations=off cryptomgr.notests"});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now());
  };
  ASSERT_TRUE(qemu.WaitForLine(runtime::kGuestUpMarker, left())) << "no guest marker in 60 s";
  // /proc/modules lists the most recently loaded module first. sev_guest only loads on SEV-SNP.
  for (auto it = a_->modules.rbegin(); it != a_->modules.rend(); ++it) {
    if (*it == "sev_guest") continue;
    std::string line;
    ASSERT_TRUE(qemu.WaitForLine(*it + " ", left(), &line)) << *it << " not loaded";
    EXPECT_TRUE(line.starts_with(*it + " ")) << line;
    EXPECT_NE(line.find("Live"), std::string::npos) << line;
  }
  ASSERT_TRUE(qemu.WaitForLine("crun version 1.", left()));
  ASSERT_TRUE(qemu.WaitForLine("COCOON-CRUN-OK", left()));
  ASSERT_TRUE(qemu.WaitForLine(runtime::kGuestDoneMarker, left()));
}

}  // namespace
}  // namespace cocoon
