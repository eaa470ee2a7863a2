// `cocoon run` as a function: options in, exit status out, the steps and the container's output
// on the process's stdout and stderr. The CLI and `cocoon demo` call it.
#pragma once

#include <string>

#include "runtime/pod_config.h"

namespace cocoon::runtime {

// Exit status when `cocoon run` itself fails (docker's and podman's convention), as opposed to
// the container's own status.
inline constexpr int kRunFailed = 125;

struct PodCommandOptions {
  PodRunOptions run;
  std::string agent_binary;  // cocoon-agent, to build the guest image when run.guest is empty
  bool quiet = false;        // no steps on stderr
  std::string timings;       // write the stage timings (JSON) here; empty: nowhere
};

// Boots the pod and runs its container; SIGINT, SIGTERM and SIGHUP stop the pod VM. Returns the
// container's exit status; 2 for a usage error (CheckPodRunOptions), kRunFailed when the pod
// could not run, 128+N when signal N stopped it. Errors are printed as "cocoon run: …".
int RunPodCommand(const PodCommandOptions& options);

// The steps as `cocoon run` prints them: "[1/4] attestation: …" for the four confidential
// steps (podproto::Step), the others indented to match.
std::string FormatStep(std::string_view line);

// The timings as one JSON object (…_ms fields) and a newline.
std::string TimingsJson(const PodTimings& timings);

}  // namespace cocoon::runtime
