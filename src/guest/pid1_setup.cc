// The agent's PID 1 start: its flags file and the guest preparation (see pid1.h).
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>

#include "guest/pid1.h"

namespace cocoon::guest::pid1 {

std::vector<std::string> AgentArgs(std::string_view argv0, const std::string& args_file) {
  std::vector<std::string> args = {std::string(argv0)};
  std::ifstream in(args_file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') args.push_back(line);
  }
  return args;
}

std::string PrepareGuest(const std::string& modules_list,
                         const std::function<void(const std::string&)>& log) {
  ::setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0);
  // Each step's duration goes to the console with the boot timings (bench/pod_run.sh).
  std::string timings;
  auto last = std::chrono::steady_clock::now();
  auto step = [&](const char* what, Status st) {
    auto now = std::chrono::steady_clock::now();
    timings +=
        std::string(timings.empty() ? "" : ", ") + what + " " +
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - last).count()) +
        " ms";
    last = now;
    if (!st && log) log(std::string(what) + ": " + st.error().ToString());
  };
  ::mkdir("/proc", 0755);
  step("mount /proc", ::mount("proc", "/proc", "proc", 0, nullptr) == 0
                          ? Ok()
                          : Status(Internal("mount proc failed")));
  step("root to tmpfs", MoveRootToTmpfs());
  step("mounts", MountPseudoFilesystems());
  step("modules", LoadModules(modules_list, "/lib/modules"));
  step("network", ConfigureNetwork());
  return timings;
}

}  // namespace cocoon::guest::pid1
