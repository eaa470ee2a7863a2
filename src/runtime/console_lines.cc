// Failure-report selection of guest console lines (see console_lines.h).
#include "runtime/console_lines.h"

#include <algorithm>
#include <array>
#include <vector>

#include "podproto/podproto.h"

namespace cocoon::runtime {
namespace {

constexpr std::array<std::string_view, 3> kHarmless = {
    "PCI: Fatal: No config space access function found",
    "i8042: PNP: No PS/2 controller found",
    "i8042: No controller found",
};

bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// "… modules not loaded: /lib/modules/a.ko (No such device) /lib/modules/b.ko (No such device)"
// with every reason "No such device".
bool OnlyAbsentHardwareModules(std::string_view line) {
  constexpr std::string_view kMarker = "modules not loaded:";
  size_t at = line.find(kMarker);
  if (at == std::string_view::npos) return false;
  std::string_view rest = line.substr(at + kMarker.size());
  size_t reasons = 0;
  for (size_t open = rest.find('('); open != std::string_view::npos;
       open = rest.find('(', open + 1)) {
    size_t close = rest.find(')', open);
    if (close == std::string_view::npos) return false;
    if (rest.substr(open + 1, close - open - 1) != "No such device") return false;
    ++reasons;
  }
  return reasons > 0;
}

}  // namespace

bool IsHarmlessConsoleLine(std::string_view line) {
  for (std::string_view h : kHarmless) {
    if (Contains(line, h)) return true;
  }
  return OnlyAbsentHardwareModules(line);
}

bool IsAgentConsoleLine(std::string_view line) {
  if (Contains(line, "cocoon-agent:") || Contains(line, podproto::kStepPrefix)) return true;
  // The agent's spdlog lines: "2026-01-01T12:00:00.000 info …"
  return line.size() > 11 && line[4] == '-' && line[7] == '-' && line[10] == 'T';
}

std::string FailureConsoleTail(const std::deque<std::string>& lines, size_t n) {
  std::vector<size_t> kept;
  size_t hidden = 0, agent = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (IsHarmlessConsoleLine(lines[i])) {
      ++hidden;
      continue;
    }
    kept.push_back(i);
    if (IsAgentConsoleLine(lines[i])) ++agent;
  }
  // Walk back from the end: agent lines while the budget lasts, other lines only with what the
  // agent lines leave over.
  size_t agent_budget = std::min(agent, n);
  size_t other_budget = n - agent_budget;
  std::vector<bool> show(lines.size(), false);
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    bool is_agent = IsAgentConsoleLine(lines[*it]);
    size_t& budget = is_agent ? agent_budget : other_budget;
    if (budget == 0) continue;
    --budget;
    show[*it] = true;
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (show[i]) out += "  | " + lines[i] + "\n";
  }
  if (hidden > 0 && !out.empty()) {
    out += "  | (" + std::to_string(hidden) + " harmless line" + (hidden == 1 ? "" : "s") +
           " hidden)\n";
  }
  return out;
}

}  // namespace cocoon::runtime
