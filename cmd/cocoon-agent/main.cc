// cocoon-agent: the guest's PID 1 and agent API server. As PID 1 it prepares the guest (mounts,
// modules, network, root on tmpfs) and serves ttrpc on a virtio-serial port; with --listen it
// serves on a unix socket without those steps (tests, development).
#include <fcntl.h>
#include <google/protobuf/stubs/logging.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/file.h"
#include "guest/agent_service.h"
#include "guest/child_process.h"
#include "guest/pid1.h"
#include "net/ttrpc_server.h"
#include "podproto/podproto.h"
#include "tee/builtin.h"

namespace {

using namespace cocoon;

struct Flags {
  std::string listen;
  std::string port = std::string(podproto::kAgentPortName);
  std::string policy_file, image_policy_file, initdata_file;
  std::string modules = "/etc/cocoon/modules";
  std::string attester = "auto";
  std::string tpm_tcti = "device:/dev/tpmrm0";
  guest::AgentConfig config;
};

void Log(const std::string& line) { std::fprintf(stderr, "cocoon-agent: %s\n", line.c_str()); }

// PID 1 reads extra flags from /etc/cocoon/agent.args (one per line) written by the image build.
// As PID 1 the kernel hands init the command-line words it did not recognise, so argv is
// ignored and the flags come from /etc/cocoon/agent.args.
std::vector<std::string> Pid1Args(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + std::min(argc, 1));
  std::ifstream in("/etc/cocoon/agent.args");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') args.push_back(line);
  }
  return args;
}

void Pid1Setup(const Flags& f) {
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
    if (!st) Log(std::string(what) + ": " + st.error().ToString());
  };
  ::mkdir("/proc", 0755);
  step("mount /proc", ::mount("proc", "/proc", "proc", 0, nullptr) == 0
                          ? Ok()
                          : Status(Internal("mount proc failed")));
  step("root to tmpfs", guest::pid1::MoveRootToTmpfs());
  step("mounts", guest::pid1::MountPseudoFilesystems());
  step("modules", guest::pid1::LoadModules(f.modules, "/lib/modules"));
  step("network", guest::pid1::ConfigureNetwork());
  std::fprintf(stderr, "%s\n", podproto::ConsoleStepLine("guest setup: " + timings).c_str());
}

// Blocks SIGTERM/SIGINT for all threads; one thread waits for them and shuts the service down.
void HandleTermination(guest::AgentService* service) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, service] {
    int sig = 0;
    sigwait(&set, &sig);
    service->Shutdown();
    std::_Exit(0);
  }).detach();
}

int ServePort(net::ttrpc::Server& server, const std::string& name) {
  while (true) {
    auto dev = guest::pid1::FindVirtioPort(name);
    if (!dev) {
      Log(dev.error().ToString() + "; retrying");
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    int fd = ::open(dev->c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    // Without a host connection the port reads EOF at once: wait until data arrives.
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0 || !(p.revents & POLLIN)) {
      ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (auto st = server.ServeConnection(fd); !st) Log("connection: " + st.error().ToString());
  }
}

int Run(Flags& f, bool pid1, const tee::AttesterTable& attesters) {
  if (!f.policy_file.empty()) {
    auto text = base::ReadFile(f.policy_file, "agent policy");
    if (!text) return Log(text.error().ToString()), 2;
    f.config.agent_policy = *text;
  }
  if (!f.image_policy_file.empty()) {
    auto text = base::ReadFile(f.image_policy_file, "image policy");
    if (!text) return Log(text.error().ToString()), 2;
    f.config.image_policy_json = *text;
  }
  if (!f.initdata_file.empty()) {
    auto text = base::ReadFile(f.initdata_file, "initdata");
    if (!text) return Log(text.error().ToString()), 2;
    f.config.init_data_toml = *text;
  } else if (pid1) {
    // cocoon's QEMU delivers initdata over fw_cfg; kata's runtime as a disk with its header.
    auto text = base::ReadFile(std::string(podproto::kInitDataFwCfgPath), "initdata (fw_cfg)");
    if (!text) text = guest::pid1::ReadInitDataDisk();
    if (text)
      f.config.init_data_toml = *text;
    else if (text.error().code() != Code::kNotFound)
      Log(text.error().ToString());
  }
  f.config.init_daemon = pid1;
  f.config.progress = [](std::string_view line) {
    std::fprintf(stderr, "%s\n", podproto::ConsoleStepLine(line).c_str());
  };
  f.config.log = [](std::string_view line) { Log(std::string(line)); };
  // The TEE also picks the default agent policy: allow-all only for the sample attester.
  f.config.tee = f.attester == "auto" ? attesters.Detect("sample") : f.attester;
  f.config.attester_factory = [table = &attesters, kind = f.config.tee,
                               a = tee::AttesterOptions{f.tpm_tcti, f.config.init_data_toml}] {
    auto attester = table->Create(kind, a);
    if (!attester) return tee::NewUnavailableAttester(kind, attester.error());
    return std::move(*attester);
  };
  auto service = guest::AgentService::Create(f.config);
  if (!service) return Log(service.error().ToString()), 2;
  if (auto st = guest::BecomeSubreaper(); !st) return Log(st.error().ToString()), 2;
  HandleTermination(service->get());
  net::ttrpc::Server server;
  (*service)->RegisterWith(server);
  if (pid1) {
    std::thread([] {
      while (true) {
        guest::ReapOrphans();
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }).detach();
    return ServePort(server, f.port);
  }
  if (!f.listen.starts_with("unix:")) return Log("--listen must be unix:PATH"), 2;
  if (auto st = server.ListenUnix(f.listen.substr(5)); !st) return Log(st.error().ToString()), 2;
  std::printf("cocoon-agent listening on %s\n", f.listen.c_str());
  std::fflush(stdout);
  auto st = server.AcceptLoop();
  if (!st) return Log(st.error().ToString()), 1;
  return 0;
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
  static tee::AttesterTable attesters;  // lives as long as the agent's threads
  tee::RegisterBuiltinAttesters(attesters);
  Flags f;
  CLI::App app{"cocoon-agent: guest agent (PID 1) serving the agent API over ttrpc"};
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
  std::vector<std::string> args =
      pid1 ? Pid1Args(argc, argv) : std::vector<std::string>(argv, argv + argc);
  std::vector<const char*> cargs;
  for (const auto& a : args) cargs.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(cargs.size()), cargs.data());
  } catch (const CLI::ParseError& e) {
    // PID 1 must not exit (the kernel would panic): report and go on with the defaults.
    if (!pid1) return app.exit(e);
    Log(std::string("agent.args: ") + e.what());
  }
  if (pid1) {
    // The kernel starts init without PATH; the OCI runtime and gpg are found through it.
    ::setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0);
    Pid1Setup(f);
  }
  int rc = Run(f, pid1, attesters);
  if (pid1) {
    ::sync();
    ::reboot(RB_POWER_OFF);
  }
  return rc;
}
