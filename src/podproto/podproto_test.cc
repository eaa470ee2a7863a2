#include "podproto/podproto.h"

#include <gtest/gtest.h>

namespace cocoon::podproto {
namespace {

TEST(PodProto, StepLinesRoundTrip) {
  for (Step s : {Step::kAttestation, Step::kKeyReleased, Step::kImage, Step::kContainerStarted}) {
    EXPECT_EQ(StepOf(StepLine(s, "detail")), s);
    EXPECT_EQ(StepOf(StepLine(s, "")), s);
  }
  EXPECT_EQ(StepLine(Step::kKeyReleased, "kbs:///a/b/c (32 bytes)"),
            "key released: kbs:///a/b/c (32 bytes)");
  EXPECT_EQ(StepLine(Step::kContainerStarted, ""), "container started");
  EXPECT_EQ(static_cast<int>(*StepOf("image: docker://x sha256:00")), 3);
}

TEST(PodProto, OtherLinesAreNoSteps) {
  EXPECT_EQ(StepOf("agent ready"), std::nullopt);
  EXPECT_EQ(StepOf("guest setup: mounts 3 ms"), std::nullopt);
  EXPECT_EQ(StepOf(" attestation: indented"), std::nullopt);
  EXPECT_EQ(StepOf("images: plural"), std::nullopt);
}

TEST(PodProto, ConsoleLinesCarryThePrefix) {
  std::string line = ConsoleStepLine("attestation: sample evidence accepted");
  EXPECT_EQ(line, "cocoon-step: attestation: sample evidence accepted");
  EXPECT_EQ(StepFromConsole(line), "attestation: sample evidence accepted");
  // The kernel's timestamp or a serial prefix may precede it.
  EXPECT_EQ(StepFromConsole("[    1.5] cocoon-step: agent ready"), "agent ready");
  EXPECT_EQ(StepFromConsole("cocoon-agent: listening"), std::nullopt);
}

TEST(PodProto, FwCfgPathIsTheNamesSysfsFile) {
  EXPECT_EQ(kInitDataFwCfgPath,
            "/sys/firmware/qemu_fw_cfg/by_name/" + std::string(kInitDataFwCfgName) + "/raw");
}

}  // namespace
}  // namespace cocoon::podproto
