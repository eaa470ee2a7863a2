// Child processes of the agent: spawning with chosen stdio (posix_spawn, default signal mask),
// waiting for a specific pid, and, when the agent is PID 1, reaping orphans nobody waits for.
// Trusts its callers; pids come from the kernel or from the OCI runtime's pid file.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "base/subprocess.h"

namespace cocoon::guest {

struct SpawnFds {
  int in = -1;  // -1: /dev/null
  int out = -1;
  int err = -1;
};

// Starts argv[0] (a path, or a name looked up in PATH) with the given stdio. The pid is
// registered as owned, so the orphan reaper leaves it to WaitChild. Internal on failure.
Result<pid_t> SpawnChild(const std::vector<std::string>& argv, const SpawnFds& fds);

// Registers a pid the agent will wait for (a container init reparented to the agent).
void OwnChild(pid_t pid);

// Blocks until `pid` exits; returns its exit code, or 128 + signal. Internal if the pid is not
// a child of the agent.
Result<int> WaitChild(pid_t pid);

// Runs argv to completion with stdin from /dev/null (base::RunCommand, with the pid owned so the
// orphan reaper leaves it); stdout and stderr combined in `out`, at most 64 KiB kept.
Result<base::CommandOutput> RunCommand(const std::vector<std::string>& argv);

// One pass of PID 1's duty: reaps exited children that are not owned. Returns how many.
int ReapOrphans();

// Makes the agent the reaper of its descendants' orphans (a container init becomes the agent's
// child when the OCI runtime exits). Internal if prctl fails.
Status BecomeSubreaper();

}  // namespace cocoon::guest
