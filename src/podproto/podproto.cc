// Step lines of the host–guest contract (see podproto.h).
#include "podproto/podproto.h"

#include <array>

namespace cocoon::podproto {
namespace {

constexpr std::array<std::pair<Step, std::string_view>, 4> kSteps{{
    {Step::kAttestation, "attestation:"},
    {Step::kKeyReleased, "key released:"},
    {Step::kImage, "image:"},
    {Step::kContainerStarted, "container started"},
}};

}  // namespace

std::string_view StepText(Step step) {
  for (const auto& [s, text] : kSteps) {
    if (s == step) return text;
  }
  return "";
}

std::optional<Step> StepOf(std::string_view line) {
  for (const auto& [s, text] : kSteps) {
    if (line.starts_with(text)) return s;
  }
  return std::nullopt;
}

std::string StepLine(Step step, std::string_view detail) {
  std::string line(StepText(step));
  if (!detail.empty()) line.append(" ").append(detail);
  return line;
}

std::string ConsoleStepLine(std::string_view line) { return std::string(kStepPrefix).append(line); }

std::optional<std::string_view> StepFromConsole(std::string_view console_line) {
  size_t pos = console_line.find(kStepPrefix);
  if (pos == std::string_view::npos) return std::nullopt;
  return console_line.substr(pos + kStepPrefix.size());
}

}  // namespace cocoon::podproto
