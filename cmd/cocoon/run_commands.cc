// `cocoon run` (one confidential pod VM running one container) and `cocoon demo` (the whole flow
// on a laptop): flags in, runtime/pod_command.h and runtime/demo.h do the work.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cmd/cocoon/commands.h"
#include "initdata/annotation.h"
#include "podproto/podproto.h"
#include "runtime/demo.h"
#include "runtime/pod_command.h"
#include "runtime/pod_config.h"
#include "runtime/vtpm.h"

namespace cocoon::cli {
namespace {

// The directory of this binary: cocoon-agent and cocoon-kbs sit next to it in the build tree
// (cmd/) and in an install (bin/) alike.
std::string SelfDir() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

int PrintVtpmAk(const runtime::VtpmOptions& o, const std::string& out) {
  auto pem = runtime::VtpmAkPublicPem(o);
  if (!pem) {
    std::fprintf(stderr, "cocoon vtpm ak: %s\n", pem.error().ToString().c_str());
    return 1;
  }
  if (out.empty()) {
    std::fputs(pem->c_str(), stdout);
    return 0;
  }
  std::ofstream file(out, std::ios::trunc);
  file << *pem;
  file.close();
  if (!file) {
    std::fprintf(stderr, "cocoon vtpm ak: cannot write %s\n", out.c_str());
    return 1;
  }
  std::fprintf(stderr,
               "AK of the vTPM in %s written to %s; a KBS trusts it with\n"
               "  [attestation_service.verifier_config.tpm_verifier]\n"
               "  trusted_ak_keys = [\"%s\"]\n",
               o.state_dir.c_str(), out.c_str(), out.c_str());
  return 0;
}

// The flags `cocoon run` and `cocoon initdata` share: what the pod trusts (KBS, policies,
// registry access) and, for `run`, the VM's shape.
void AddPodFlags(CLI::App* app, runtime::PodRunOptions* f, bool vm_flags) {
  app->add_option("--kbs", f->kbs, "KBS URL on this host (http://127.0.0.1:PORT)");
  app->add_option("--kbs-cacert", f->kbs_cacert, "PEM CA certificate of an HTTPS KBS");
  app->add_option("--policy", f->policy,
                  "containers-policy.json the guest enforces (signature verification)");
  app->add_flag("--insecure-policy", f->insecure_policy,
                "accept unsigned images (insecureAcceptAnything)");
  app->add_option("--agent-policy", f->agent_policy,
                  "agent policy (Rego, package agent_policy); default: the agent's (in a TEE, "
                  "exec and copying files in are refused; without one, allow-all)");
  if (!vm_flags) {
    app->add_option("--tee", f->tee, "none | sev-snp | tdx: the TEE the pod will run in")
        ->capture_default_str();
    app->add_flag("--vtpm", f->vtpm, "the pod VM gets a software TPM (initdata bound in PCR 8)");
  }
  app->add_option("--tls-verify", f->tls_verify,
                  "verify the registry's TLS certificate (--tls-verify=false: also plain HTTP; "
                  "loopback registries are always plain HTTP)")
      ->capture_default_str();
  app->add_option("--insecure-registry", f->insecure_registries,
                  "HOST[:PORT] reached without TLS verification or over plain HTTP (repeatable)");
  app->add_option("--cert-dir", f->cert_dir,
                  "trust the *.crt in DIR for the registry (default: certs.d/HOST:PORT under "
                  "/etc/containers, /etc/docker, ~/.config/containers; the system CAs always)");
  app->add_option("--authfile", f->authfile,
                  "containers auth.json with registry credentials (default: skopeo's search "
                  "path); the guest gets the image's entry over the agent channel");
  if (!vm_flags) return;
  app->add_option("--initdata", f->initdata,
                  "initdata TOML used as given (instead of the one built from the flags)");
  app->add_option("--guest", f->guest,
                  "guest image directory (cocoon guest build --output DIR); default: built "
                  "once per cocoon-agent into ~/.cache/cocoon/guest");
  app->add_option("--accel", f->accel, "auto|tcg|kvm")->capture_default_str();
  app->add_option("--tee", f->tee,
                  "none (sample attester) | sev-snp | tdx: launch the pod VM as a confidential "
                  "guest (needs the hardware, KVM and --firmware)")
      ->capture_default_str();
  app->add_flag("--vtpm", f->vtpm,
                "give the pod VM a software TPM (swtpm): the guest attests with TPM quotes "
                "(initdata bound in PCR 8)");
  app->add_option("--vtpm-state", f->vtpm_state,
                  "keep the software TPM's state in DIR (implies --vtpm): its AK is the same on "
                  "every run, so a KBS can trust it (cocoon vtpm ak --state DIR)");
  app->add_option("--firmware", f->firmware,
                  "OVMF for SEV-SNP (AMDSEV.fd) or TDX (OVMF.inteltdx.fd)");
  app->add_option("--memory", f->memory_mib, "guest memory in MiB")->capture_default_str();
  app->add_option("--vcpus", f->vcpus, "guest vCPUs")->capture_default_str();
}

int PrintInitData(const runtime::PodRunOptions& o, bool as_annotation) {
  auto config = runtime::BuildPodConfig(o, [](const std::string& warning) {
    std::fprintf(stderr, "cocoon initdata: WARNING: %s\n", warning.c_str());
  });
  if (!config) {
    std::fprintf(stderr, "cocoon initdata: %s\n", config.error().message().c_str());
    return config.error().code() == Code::kInvalidArgument ? 2 : 1;
  }
  const std::string& toml = config->spec.initdata;
  std::fputs(as_annotation ? (initdata::EncodeAnnotation(toml) + "\n").c_str() : toml.c_str(),
             stdout);
  for (const auto& s : config->spec.services) {
    std::fprintf(stderr, "the pod VM reaches %s:%u -> %s:%u\n",
                 std::string(podproto::kGuestServiceAddress).c_str(), s.guest_port, s.host.c_str(),
                 s.host_port);
  }
  std::fprintf(stderr, "%s\n", config->agent_policy_step.c_str());
  return 0;
}

}  // namespace

void AddRunCommands(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<runtime::PodCommandOptions>();
  runtime::PodRunOptions* f = &o->run;
  auto* run = app.add_subcommand(
      "run",
      "Run IMAGE as a confidential container in a pod VM: the guest attests to the KBS, "
      "receives the image key, pulls, verifies and decrypts the image itself and runs it. "
      "Exits with the container's status; 125 when cocoon run fails, 2 on usage errors.");
  AddPodFlags(run, f, /*vm_flags=*/true);
  run->add_flag("--quiet", o->quiet, "do not print the steps");
  run->add_option("--timings", o->timings, "write the stage timings as JSON to this file");
  run->prefix_command();  // IMAGE and everything after it are the image and its command
  run->callback([o, run, exit_code] {
    o->run.image_and_args = run->remaining();
    if (!o->run.vtpm_state.empty()) o->run.vtpm = true;
    o->agent_binary = SelfDir() + "/cocoon-agent";
    *exit_code = runtime::RunPodCommand(*o);
  });

  auto ak = std::make_shared<runtime::VtpmOptions>();
  auto ak_out = std::make_shared<std::string>();
  auto* vtpm = app.add_subcommand("vtpm", "Software TPMs for pod VMs (cocoon run --vtpm-state)");
  vtpm->require_subcommand(1);
  auto* ak_cmd = vtpm->add_subcommand(
      "ak",
      "Print the public key (PEM) of the attestation key a pod run with --vtpm-state DIR quotes "
      "with, creating the state if it is new: list it in the KBS's "
      "[attestation_service.verifier_config.tpm_verifier] trusted_ak_keys");
  ak_cmd->add_option("--state", ak->state_dir, "the vTPM state directory")->required();
  ak_cmd->add_option("--output,-o", *ak_out, "write the PEM to this file instead of stdout");
  ak_cmd->callback([ak, ak_out, exit_code] { *exit_code = PrintVtpmAk(*ak, *ak_out); });

  auto init = std::make_shared<runtime::PodRunOptions>();
  auto as_annotation = std::make_shared<bool>(false);
  auto* initdata_cmd = app.add_subcommand(
      "initdata",
      "Print the initdata TOML `cocoon run` would give a pod of IMAGE (KBS, signature policy, "
      "registry access, agent policy), for a Kubernetes pod's annotation or the containerd "
      "shim's default; --annotation prints it as CoCo's annotation value (base64 of the "
      "gzip'd TOML) for io.katacontainers.config.hypervisor.cc_init_data");
  AddPodFlags(initdata_cmd, init.get(), /*vm_flags=*/false);
  initdata_cmd->add_flag("--annotation", *as_annotation,
                         "print base64(gzip(TOML)), the pod annotation's value");
  initdata_cmd->add_option("image", init->image_and_args, "IMAGE the pod runs")->required();
  initdata_cmd->callback(
      [init, as_annotation, exit_code] { *exit_code = PrintInitData(*init, *as_annotation); });

  auto d = std::make_shared<runtime::DemoOptions>();
  auto* demo = app.add_subcommand(
      "demo",
      "The whole flow on this machine with nothing configured: a KBS (SQLite) and a registry "
      "on free loopback ports, a sample image encrypted with a key stored in the KBS and "
      "signed, then run as a confidential container; everything is cleaned up after.");
  demo->add_option("--guest", d->guest, "guest image directory (default: built once)");
  demo->add_option("--accel", d->accel, "auto|tcg|kvm")->capture_default_str();
  demo->add_flag("--keep", d->keep, "keep the work directory (keys, logs, policy)");
  demo->add_option("--timings", d->timings, "write the pod's stage timings as JSON here");
  demo->callback([d, exit_code] {
    d->cocoon_binary = "/proc/self/exe";
    d->kbs_binary = SelfDir() + "/cocoon-kbs";
    d->agent_binary = SelfDir() + "/cocoon-agent";
    *exit_code = runtime::RunDemo(*d);
  });
}

}  // namespace cocoon::cli
