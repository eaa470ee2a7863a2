// cocoon-agent: the guest's PID 1 and agent API server (guest/agent_process.h). This file
// parses the flags (as PID 1 from /etc/cocoon/agent.args), registers the built-in attesters and
// runs the agent; as PID 1 it powers the guest off when the agent returns.
#include <google/protobuf/stubs/logging.h>
#include <malloc.h>
#include <signal.h>
#include <sys/reboot.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "guest/agent_process.h"
#include "guest/pid1.h"
#include "podproto/podproto.h"
#include "tee/builtin.h"

namespace {

using cocoon::guest::AgentOptions;

void AddFlags(CLI::App& app, AgentOptions& f, const cocoon::tee::AttesterTable& attesters) {
  app.add_option("--listen", f.listen, "serve on unix:PATH instead of the virtio-serial port");
  app.add_option("--port", f.port, "virtio-serial port name (PID 1)")->capture_default_str();
  app.add_option("--runtime", f.config.runtime.path, "OCI runtime (crun or runc)")
      ->capture_default_str();
  app.add_option("--runtime-arg", f.config.runtime.global_args, "global runtime flag; repeatable");
  app.add_option("--runtime-root", f.config.runtime.root, "runtime state directory (--root)");
  app.add_option("--work-dir", f.config.work_dir, "bundles directory")->capture_default_str();
  app.add_option("--policy", f.policy_file,
                 "agent policy (Rego, package agent_policy); default: initdata's policy.rego, else "
                 "exec and copy-in refused in a TEE, allow-all with the sample attester");
  app.add_option("--image-policy", f.image_policy_file, "containers-policy.json for pulls");
  app.add_flag("--insecure-accept-anything", f.config.insecure_accept_anything,
               "pull without signature checks when no image policy is configured");
  app.add_option("--kbs", f.config.kbs_url,
                 "KBS URL for image keys (refused if the initdata names another)");
  app.add_option("--kbs-cacert", f.config.kbs_cacert,
                 "PEM CA certificate for an HTTPS KBS (initdata's kbc.kbs_cert replaces it)");
  app.add_option("--initdata", f.initdata_file, "initdata TOML (PID 1 reads the initdata disk)");
  app.add_option("--tls-verify", f.config.registry.tls_verify,
                 "verify registry TLS; false also allows plain HTTP")
      ->default_str("true");
  app.add_option("--modules", f.modules, "kernel module list (PID 1)")->capture_default_str();
  std::vector<std::string> kinds = {"auto"};
  std::string names;
  for (const std::string& n : attesters.Names()) {
    kinds.push_back(n);
    names += " | " + n;
  }
  app.add_option("--attester", f.attester,
                 "auto (SEV-SNP, TDX or TPM from the guest's devices, else sample)" + names)
      ->check(CLI::IsMember(kinds))
      ->capture_default_str();
  app.add_option("--tpm-tcti", f.tpm_tcti, "tpm2-tss TCTI for --attester tpm")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  // One malloc arena: the agent's threads (one per request, stdio pumps, the unpack thread)
  // would otherwise each get their own, and the guest pays for every arena's high-water mark.
  ::mallopt(M_ARENA_MAX, 1);
  // Malformed messages from the host are answered with INVALID_ARGUMENT; protobuf's own log
  // lines about them would let the host flood the console.
  google::protobuf::SetLogHandler(nullptr);
  const bool pid1 = ::getpid() == 1;
  static cocoon::tee::AttesterTable attesters;  // lives as long as the agent's threads
  cocoon::tee::RegisterBuiltinAttesters(attesters);
  AgentOptions f;
  CLI::App app{"cocoon-agent: guest agent (PID 1) serving the agent API over ttrpc"};
  AddFlags(app, f, attesters);
  std::vector<std::string> args =
      pid1 ? cocoon::guest::pid1::AgentArgs(argc > 0 ? argv[0] : "", "/etc/cocoon/agent.args")
           : std::vector<std::string>(argv, argv + argc);
  std::vector<const char*> cargs;
  for (const auto& a : args) cargs.push_back(a.c_str());
  try {  // CLI11 reports usage errors by exception; this is its one adapter.
    app.parse(static_cast<int>(cargs.size()), cargs.data());
  } catch (const CLI::ParseError& e) {
    // PID 1 must not exit (the kernel would panic): report and go on with the defaults.
    if (!pid1) return app.exit(e);
    cocoon::guest::AgentLog(std::string("agent.args: ") + e.what());
  }
  if (pid1) {
    std::string timings = cocoon::guest::pid1::PrepareGuest(f.modules, cocoon::guest::AgentLog);
    std::fprintf(stderr, "%s\n",
                 cocoon::podproto::ConsoleStepLine("guest setup: " + timings).c_str());
  }
  int rc = cocoon::guest::RunAgent(std::move(f), pid1, attesters);
  if (pid1) {
    ::sync();
    ::reboot(RB_POWER_OFF);
  }
  return rc;
}
