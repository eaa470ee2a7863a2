// What the shim reads from a task's bundle (<bundle>/config.json, the OCI runtime spec containerd
// generated) and from its annotations: which pod the task belongs to, which image the guest
// pulls, the process to run, and the pod's initdata. The config comes from containerd on this
// host; it is still parsed with limits and every error names the bundle and the field.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "initdata/annotation.h"

namespace cocoon::shim {

// The annotations containerd's CRI plugin sets (pkg/cri/annotations) and the ones cocoon reads.
inline constexpr std::string_view kContainerTypeAnnotation = "io.kubernetes.cri.container-type";
inline constexpr std::string_view kSandboxIdAnnotation = "io.kubernetes.cri.sandbox-id";
inline constexpr std::string_view kImageNameAnnotation = "io.kubernetes.cri.image-name";
// CoCo's initdata annotation: base64 of the gzip'd initdata TOML (initdata/annotation.h).
inline constexpr std::string_view kKataInitDataAnnotation = initdata::kCocoAnnotation;
// cocoon's own: base64 of the initdata TOML, gzip'd or not.
inline constexpr std::string_view kCocoonInitDataAnnotation = "io.cocoon.initdata";
// cocoon's image annotation for tasks without CRI (`ctr run --annotation io.cocoon.image=REF`).
inline constexpr std::string_view kCocoonImageAnnotation = "io.cocoon.image";

inline constexpr size_t kMaxBundleConfigBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxInitDataBytes = initdata::kMaxAnnotationTomlBytes;

// How a task relates to its pod VM.
enum class TaskKind {
  kSandbox,       // CRI's pod sandbox (the pause container): the pod VM itself
  kPodContainer,  // a container of a CRI pod: runs in its sandbox's VM
  kSingle,        // no CRI annotations (`ctr run`): one VM for this one container
};

struct BundleSpec {
  TaskKind kind = TaskKind::kSingle;
  std::string group;  // the pod the task belongs to: the sandbox id, or the task id
  std::map<std::string, std::string> annotations;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd;
  std::string hostname;
  bool terminal = false;
  std::string image;  // empty for a sandbox; required for the other kinds
  // linux.namespaces[type=network].path: the network namespace CNI set up for a sandbox
  // (/var/run/netns/cni-…); empty for host networking, or a task without one.
  std::string netns;
};

// Parses a config.json's text. InvalidArgument naming the field for a malformed spec, and for a
// pod container or single task that names no image (io.kubernetes.cri.image-name or
// io.cocoon.image) or a pod container without io.kubernetes.cri.sandbox-id.
Result<BundleSpec> ParseBundleSpec(std::string_view config_json, const std::string& task_id);
// Reads <bundle>/config.json and parses it.
Result<BundleSpec> ReadBundleSpec(const std::string& bundle, const std::string& task_id);

// The initdata TOML the pod's annotations carry (the CoCo one, else cocoon's), decoded; empty when
// neither is set. InvalidArgument naming the annotation when it is not base64 of (gzip'd) TOML
// text or is larger than kMaxInitDataBytes once decompressed.
Result<std::string> InitDataFromAnnotations(const std::map<std::string, std::string>& annotations);

}  // namespace cocoon::shim
