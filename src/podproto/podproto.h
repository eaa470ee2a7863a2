// The contract between the host (`cocoon run`, runtime/) and the guest agent (guest/,
// cmd/cocoon-agent) beyond kata's agent API: where the agent listens, where initdata arrives,
// where the guest reaches host services, and the progress lines the agent prints on the
// console. Both sides link this module; it trusts nothing and holds no state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cocoon::podproto {

// The virtio-serial port the guest agent serves on (/dev/virtio-ports/<name> in the guest).
inline constexpr std::string_view kAgentPortName = "io.cocoon.agent";

// The fw_cfg entry carrying the initdata TOML, and where the guest reads it.
inline constexpr std::string_view kInitDataFwCfgName = "opt/io.cocoon/initdata";
inline constexpr std::string_view kInitDataFwCfgPath =
    "/sys/firmware/qemu_fw_cfg/by_name/opt/io.cocoon/initdata/raw";

// The guest reaches forwarded host services at this address (QEMU user networking guestfwd).
inline constexpr std::string_view kGuestServiceAddress = "10.0.2.100";

// The agent prints its progress on the console as kStepPrefix + text; the host tails it.
inline constexpr std::string_view kStepPrefix = "cocoon-step: ";

// The four confidential steps a pod goes through, in order. Each step line starts with its
// kind's text (StepText); the host numbers them 1 to 4.
enum class Step { kAttestation = 1, kKeyReleased = 2, kImage = 3, kContainerStarted = 4 };

// "attestation:", "key released:", "image:", "container started".
std::string_view StepText(Step step);

// The step a progress line (without kStepPrefix) reports; nullopt for other lines ("agent
// ready", "guest setup: …", …).
std::optional<Step> StepOf(std::string_view line);

// `step`'s line: StepText(step), then " " + detail when there is one.
std::string StepLine(Step step, std::string_view detail);

// The console line the agent prints for `line`: kStepPrefix + line.
std::string ConsoleStepLine(std::string_view line);

// The text after kStepPrefix in a console line (anywhere in it: the kernel may prefix it);
// nullopt if the line carries no step.
std::optional<std::string_view> StepFromConsole(std::string_view console_line);

}  // namespace cocoon::podproto
