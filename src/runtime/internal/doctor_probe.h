// Small probes the doctor's checks share: paths under a root, programs in a PATH, tool versions,
// one-line sysfs values and free disk space. None of them fails; absence is an empty answer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cocoon::runtime::internal {

// `path` (absolute) under `root` ("/" or empty: the path itself).
std::string Under(const std::string& root, std::string_view path);

// The first executable `name` in `dirs` (each under `root`); empty when none.
std::string FindProgram(const std::string& root, const std::vector<std::string>& dirs,
                        std::string_view name);

// The first line `program --version` prints; empty when it cannot run or exits non-zero.
std::string ToolVersionLine(const std::string& program);

struct Version {
  int major = 0, minor = 0, patch = 0;
  bool AtLeast(int ma, int mi) const { return major > ma || (major == ma && minor >= mi); }
};
// The first "N.N[.N]" after `marker` in `line` ("QEMU emulator version 7.2.22 (…)"); all zero
// when absent.
Version ParseVersionAfter(std::string_view line, std::string_view marker);

// The first line of a small text file (sysfs parameters), whitespace trimmed; empty if unreadable.
std::string ReadFirstLine(const std::string& path);

// True for a sysfs boolean that is on: "Y", "y" or "1".
bool SysfsOn(const std::string& value);

// Free bytes for an unprivileged user on the filesystem holding `path`, or its nearest existing
// ancestor (the cache may not exist yet); the ancestor used is stored in *where. 0 if unknown.
uint64_t FreeBytes(const std::string& path, std::string* where);

// "1.5 GiB", "300 MiB".
std::string HumanBytes(uint64_t bytes);

}  // namespace cocoon::runtime::internal
