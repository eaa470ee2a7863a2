#include "guest/pid1.h"

#include <gtest/gtest.h>

namespace cocoon::guest::pid1 {
namespace {

TEST(Pid1Test, ModuleParamsComeFromTheKernelCommandLine) {
  const std::string cmdline =
      "console=ttyS0 virtio_mmio.device=512@0xfeb00e00:12 virtio-mmio.device=512@0xfeb00c00:11 "
      "quiet sev_guest.x=1 virtio_mmio_extra.y=2 virtio_mmio.";
  EXPECT_EQ(ModuleParamsFromCmdline(cmdline, "virtio_mmio"),
            "device=512@0xfeb00e00:12 device=512@0xfeb00c00:11");
  EXPECT_EQ(ModuleParamsFromCmdline(cmdline, "sev-guest"), "x=1");
  EXPECT_EQ(ModuleParamsFromCmdline(cmdline, "virtio_net"), "");
}

}  // namespace
}  // namespace cocoon::guest::pid1
