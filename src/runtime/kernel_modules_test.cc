// .modinfo parsing from hand-built ELF64 files and load-order resolution.
#include "runtime/kernel_modules.h"

#include <gtest/gtest.h>

namespace cocoon::runtime {
namespace {

void Put(std::string& s, size_t off, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// ELF64 LE: header, section bodies, then three section headers (null, `section`, .shstrtab).
std::string MakeElf(std::string_view section, std::string_view body) {
  std::string shstr = std::string("\0", 1) + std::string(section) + '\0' + ".shstrtab" + '\0';
  std::string f(64, '\0');
  f.replace(0, 6,
            "\x7f"
            "ELF\x02\x01");
  size_t body_off = f.size();
  f += body;
  size_t str_off = f.size();
  f += shstr;
  size_t shoff = f.size();
  f += std::string(3 * 64, '\0');
  Put(f, 0x28, shoff, 8);
  Put(f, 0x3A, 64, 2);
  Put(f, 0x3C, 3, 2);
  Put(f, 0x3E, 2, 2);
  Put(f, shoff + 64 + 0, 1, 4);  // sh_name of the section
  Put(f, shoff + 64 + 0x18, body_off, 8);
  Put(f, shoff + 64 + 0x20, body.size(), 8);
  Put(f, shoff + 128 + 0, 2 + section.size(), 4);
  Put(f, shoff + 128 + 0x18, str_off, 8);
  Put(f, shoff + 128 + 0x20, shstr.size(), 8);
  return f;
}

const std::string kInfo("license=GPL\0depends=virtio,virtio-ring\0name=virtio_net\0", 55);

TEST(KernelModules, ReadsModinfoAndDepends) {
  std::string ko = MakeElf(".modinfo", kInfo);
  auto info = ReadModinfo(ko, "virtio_net.ko");
  ASSERT_TRUE(info) << info.error().ToString();
  EXPECT_EQ(*info, (std::vector<std::string>{"license=GPL", "depends=virtio,virtio-ring",
                                             "name=virtio_net"}));
  EXPECT_EQ(*ModuleDepends(ko, "x"), (std::vector<std::string>{"virtio", "virtio_ring"}));
  std::string none = MakeElf(".modinfo", std::string("depends=\0name=virtio\0", 21));
  EXPECT_TRUE(ModuleDepends(none, "x")->empty());
}

TEST(KernelModules, MalformedFilesAreInvalidArgument) {
  std::string ko = MakeElf(".modinfo", kInfo);
  EXPECT_EQ(ReadModinfo("not an elf file at all, not at all.", "m").error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ReadModinfo(ko.substr(0, 40), "m").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(ReadModinfo(ko.substr(0, ko.size() - 10), "m").error().code(),
            Code::kInvalidArgument);  // section headers cut off
  std::string wrong = MakeElf(".text", kInfo);
  auto st = ReadModinfo(wrong, "foo.ko");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kInvalidArgument);
  EXPECT_NE(st.error().message().find("foo.ko: no .modinfo"), std::string::npos);
  std::string far = ko;
  Put(far, ko.size() - 3 * 64 + 64 + 0x18, uint64_t{1} << 40, 8);  // body offset past the end
  EXPECT_EQ(ReadModinfo(far, "m").error().code(), Code::kInvalidArgument);
  std::string elf32 = ko;
  elf32[4] = 1;
  EXPECT_EQ(ReadModinfo(elf32, "m").error().code(), Code::kInvalidArgument);
}

TEST(KernelModules, NamesFromPaths) {
  EXPECT_EQ(ModuleNameFromPath("kernel/net/9p/9pnet_virtio.ko"), "9pnet_virtio");
  EXPECT_EQ(ModuleNameFromPath("sev-guest.ko"), "sev_guest");
  EXPECT_EQ(ModuleNameFromPath("overlay"), "overlay");
  EXPECT_EQ(ParseModulesBuiltin("kernel/drivers/char/tpm/tpm_tis.ko\nkernel/a/b-c.ko\n"),
            (std::set<std::string>{"tpm_tis", "b_c"}));
}

TEST(KernelModules, LoadOrderPutsDependenciesFirst) {
  std::map<std::string, std::vector<std::string>> deps = {
      {"virtio", {}},
      {"virtio_ring", {}},
      {"virtio_net", {"net_failover", "virtio", "virtio_ring"}},
      {"net_failover", {"failover"}},
      {"failover", {}},
      {"virtio_console", {"virtio", "virtio_ring"}},
  };
  auto order = ResolveLoadOrder({"virtio_console", "virtio-net", "tpm_tis"}, deps, {"tpm_tis"});
  ASSERT_TRUE(order) << order.error().ToString();
  EXPECT_EQ(*order, (std::vector<std::string>{"virtio", "virtio_ring", "virtio_console", "failover",
                                              "net_failover", "virtio_net"}));
}

TEST(KernelModules, MissingModuleAndCycleAreErrors) {
  std::map<std::string, std::vector<std::string>> deps = {{"a", {"b"}}, {"b", {"c"}}};
  auto missing = ResolveLoadOrder({"a"}, deps, {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_NE(missing.error().message().find("module c (needed by b)"), std::string::npos);
  EXPECT_EQ(ResolveLoadOrder({"zz"}, deps, {}).error().code(), Code::kNotFound);
  deps["c"] = {"a"};
  EXPECT_EQ(ResolveLoadOrder({"a"}, deps, {}).error().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace cocoon::runtime
