// Failure-report console lines: boot noise hidden, cocoon-agent's lines first.
#include "runtime/console_lines.h"

#include <gtest/gtest.h>

namespace cocoon::runtime {
namespace {

TEST(ConsoleLines, KnownNoiseIsHarmless) {
  EXPECT_TRUE(
      IsHarmlessConsoleLine("[    0.181000] PCI: Fatal: No config space access function found"));
  EXPECT_TRUE(IsHarmlessConsoleLine(
      "cocoon-agent: modules: Internal: modules not loaded: /lib/modules/sev-guest.ko (No such "
      "device)"));
  EXPECT_TRUE(IsHarmlessConsoleLine(
      "cocoon-agent: modules: Internal: modules not loaded: /lib/modules/sev-guest.ko (No such "
      "device) /lib/modules/tpm_crb.ko (No such device)"));
  // A module that failed for another reason matters, even beside absent hardware.
  EXPECT_FALSE(IsHarmlessConsoleLine(
      "cocoon-agent: modules: Internal: modules not loaded: /lib/modules/sev-guest.ko (No such "
      "device) /lib/modules/virtio_net.ko (Invalid argument)"));
  EXPECT_FALSE(
      IsHarmlessConsoleLine("[    1.000000] Kernel panic - not syncing: Attempted to kill init!"));
  EXPECT_FALSE(
      IsHarmlessConsoleLine("cocoon-agent: network: NotFound: eth0 address: No such device"));
}

TEST(ConsoleLines, AgentLinesAreRecognised) {
  EXPECT_TRUE(IsAgentConsoleLine("cocoon-agent: network: NotFound: eth0 address"));
  EXPECT_TRUE(IsAgentConsoleLine("cocoon-step: attestation: sample evidence accepted"));
  EXPECT_TRUE(IsAgentConsoleLine("2026-12-07T14:00:00.123 error CreateContainer failed"));
  EXPECT_FALSE(IsAgentConsoleLine("[    0.181000] PCI: Fatal: No config space access"));
  EXPECT_FALSE(IsAgentConsoleLine(""));
}

TEST(ConsoleLines, TailDropsNoiseAndPrefersAgentLines) {
  std::deque<std::string> lines = {
      "[    0.100000] PCI: Fatal: No config space access function found",
      "cocoon-agent: modules: Internal: modules not loaded: /lib/modules/sev-guest.ko (No such "
      "device)",
      "cocoon-step: guest setup: mounts 3 ms",
      "[    0.200000] virtio_net virtio1: kernel line 1",
      "[    0.300000] kernel line 2",
      "cocoon-agent: CreateContainer: PermissionDenied: image refused",
      "[    0.400000] kernel line 3",
  };
  // Budget 3: both agent lines, plus the latest kernel line.
  EXPECT_EQ(FailureConsoleTail(lines, 3),
            "  | cocoon-step: guest setup: mounts 3 ms\n"
            "  | cocoon-agent: CreateContainer: PermissionDenied: image refused\n"
            "  | [    0.400000] kernel line 3\n"
            "  | (2 harmless lines hidden)\n");
  // A big budget shows every line that is not noise, in console order.
  EXPECT_EQ(FailureConsoleTail(lines, 15),
            "  | cocoon-step: guest setup: mounts 3 ms\n"
            "  | [    0.200000] virtio_net virtio1: kernel line 1\n"
            "  | [    0.300000] kernel line 2\n"
            "  | cocoon-agent: CreateContainer: PermissionDenied: image refused\n"
            "  | [    0.400000] kernel line 3\n"
            "  | (2 harmless lines hidden)\n");
  // Budget 1: the agent's last word.
  EXPECT_EQ(FailureConsoleTail(lines, 1),
            "  | cocoon-agent: CreateContainer: PermissionDenied: image refused\n"
            "  | (2 harmless lines hidden)\n");
}

TEST(ConsoleLines, OnlyNoiseOrNothingGivesNothing) {
  EXPECT_EQ(FailureConsoleTail({}, 15), "");
  EXPECT_EQ(FailureConsoleTail({"[    0.1] PCI: Fatal: No config space access function found"}, 15),
            "");
}

}  // namespace
}  // namespace cocoon::runtime
