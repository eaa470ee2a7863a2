// `cocoon doctor`: what this host can run, in plain words, and what to install or change. Reads
// files under a root directory (the real "/" or a test's stand-in) and runs `--version` of the
// tools it finds; changes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/hypervisor.h"

namespace cocoon::runtime {

enum class CheckStatus { kOk, kWarn, kMissing };
std::string_view CheckStatusName(CheckStatus status);  // "ok" | "warn" | "missing"

struct DoctorCheck {
  std::string name{};  // "qemu", "kvm", "guest-packages", … (stable: scripts match on it)
  CheckStatus status = CheckStatus::kOk;
  std::string what{};     // what was found
  std::string advice{};   // what to install or change; empty when there is nothing to do
  bool required = false;  // `cocoon demo` cannot run while this check is missing
};

struct DoctorReport {
  std::vector<DoctorCheck> checks{};
  bool demo_can_run = false;  // no required check is missing
  Accel accel = Accel::kTcg;  // what `cocoon run --accel auto` picks here
};

// Where the doctor looks. FromEnvironment() gives the real places; tests point every field into
// a scratch directory.
struct DoctorInputs {
  std::string root = "/";  // prefixes /dev, /sys, /proc, /usr/share and the `path` directories
  std::vector<std::string> path;  // where programs are searched ($PATH), under `root`
  std::string cache_dir;          // $COCOON_CACHE: kernel/ (VM tests) and guest/ (pod VM images)
  std::string deb_cache_dir;      // the guest image's packages (DefaultDebCacheDir)
  std::string bin_dir;            // where cocoon-kbs and cocoon-agent sit (next to cocoon)
  std::optional<int> kvm_api_version;            // see KvmProbeInputs
  uint64_t min_free_bytes = uint64_t{1} << 30;   // less in the cache: missing
  uint64_t warn_free_bytes = uint64_t{4} << 30;  // less: warn

  // root "/", $PATH, $COCOON_CACHE (else $XDG_CACHE_HOME/cocoon, else ~/.cache/cocoon),
  // DefaultDebCacheDir() and the directory of `self` (this binary).
  static DoctorInputs FromEnvironment(const std::string& self);
};

// Runs every check. Never fails: what it cannot find or read becomes a check's finding.
DoctorReport RunDoctor(const DoctorInputs& in);

// One line per check, "<status>  <name>  <what>[  fix: <advice>]", then a summary line.
std::string FormatDoctorText(const DoctorReport& report);
// {"demo_can_run":…, "accel":"tcg", "checks":[{"name","status","what","advice","required"}…]}
std::string FormatDoctorJson(const DoctorReport& report);

}  // namespace cocoon::runtime
