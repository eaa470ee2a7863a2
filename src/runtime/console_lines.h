// Which guest console lines a `cocoon run` failure report shows. The console is the guest's
// (untrusted, only displayed): known-harmless boot noise is left out and cocoon-agent's own
// lines are preferred over the kernel's.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace cocoon::runtime {

// True for lines every healthy boot prints that never explain a failure: "PCI: Fatal: No config
// space access function found" (microvm has no PCI), i8042 without a controller, and the agent's
// "modules not loaded" report when every module it names failed with "No such device" (hardware
// this VM does not have, e.g. sev-guest outside SEV-SNP).
bool IsHarmlessConsoleLine(std::string_view line);

// True for cocoon-agent's own lines ("cocoon-agent: …", "cocoon-step: …", its log lines).
bool IsAgentConsoleLine(std::string_view line);

// At most `n` lines of `lines` for a failure report, in console order, each as "  | line\n":
// harmless lines are dropped; if more than `n` remain, the last agent lines are kept first and
// the rest of the budget goes to the latest other lines. A final "  | (K harmless lines
// hidden)\n" counts what was dropped as noise.
std::string FailureConsoleTail(const std::deque<std::string>& lines, size_t n);

}  // namespace cocoon::runtime
