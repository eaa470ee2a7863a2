// `cocoon run` (one confidential pod VM running one container) and `cocoon demo` (the whole flow
// on a laptop: KBS, registry, image creation, run). The guest does the confidential work; this
// file turns flags into the initdata, the VM's forwarded services and the guest image, and
// prints the steps as the guest reports them.
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "base/encoding.h"
#include "base/file.h"
#include "base/json.h"
#include "cmd/cocoon/commands.h"
#include "crypto/keys.h"
#include "image/reference.h"
#include "image/sample_image.h"
#include "initdata/initdata.h"
#include "podproto/podproto.h"
#include "runtime/guest_image.h"
#include "runtime/host_caps.h"
#include "runtime/internal/command.h"
#include "runtime/internal/owned_process.h"
#include "runtime/pod.h"
#include "runtime/pod_registry.h"
#include "runtime/qemu.h"

namespace cocoon::cli {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Exit status when `cocoon run` itself fails (docker's and podman's convention), as opposed to
// the container's own status.
constexpr int kRunFailed = 125;

struct RunFlags {
  std::string kbs, kbs_cacert, policy, agent_policy, initdata, guest;
  bool insecure_policy = false;
  bool vtpm = false;
  std::string accel = "auto";
  std::string tee = "none";
  std::string firmware;
  uint32_t memory_mib = 1024;
  uint32_t vcpus = 1;
  bool quiet = false;
  std::string timings;  // write the stage timings (JSON) here
  // The image's registry (runtime/pod_registry.h), skopeo's flags.
  bool tls_verify = true;
  std::vector<std::string> insecure_registries;
  std::string cert_dir, authfile;
  std::vector<std::string> image_and_args;
};

std::string SelfDir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

// The cocoon-agent next to this binary: build tree (cmd/) and install (bin/) alike.
std::string AgentBinary() { return SelfDir() + "/cocoon-agent"; }

bool IsLoopbackHost(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1";
}

// Splits "host:port" (port may be absent).
std::pair<std::string, std::optional<uint16_t>> SplitHostPort(std::string_view hp) {
  auto colon = hp.rfind(':');
  if (colon == std::string_view::npos || hp.find(']', colon) != std::string_view::npos) {
    return {std::string(hp), std::nullopt};
  }
  uint32_t port = 0;
  for (char c : hp.substr(colon + 1)) {
    if (c < '0' || c > '9' || (port = port * 10 + static_cast<uint32_t>(c - '0')) > 65535) {
      return {std::string(hp), std::nullopt};
    }
  }
  if (colon + 1 == hp.size()) return {std::string(hp.substr(0, colon)), std::nullopt};
  return {std::string(hp.substr(0, colon)), static_cast<uint16_t>(port)};
}

void AddService(std::vector<runtime::ForwardedService>& services, uint16_t port) {
  for (const auto& s : services) {
    if (s.guest_port == port) return;
  }
  services.push_back({port, port});
}

// "http://127.0.0.1:8080/x" → "http://10.0.2.100:8080/x" plus a forward of port 8080. The pod
// VM's network reaches nothing else (user networking with restrict=on).
Result<std::string> GuestUrl(const std::string& url,
                             std::vector<runtime::ForwardedService>& services) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return InvalidArgument("--kbs: '" + url + "' is not a URL");
  std::string scheme = url.substr(0, scheme_end);
  std::string rest = url.substr(scheme_end + 3);
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  auto [host, port] = SplitHostPort(hostport);
  if (!port) port = scheme == "https" ? 443 : 80;
  if (!IsLoopbackHost(host)) {
    return InvalidArgument("--kbs: " + url +
                           ": the pod VM reaches only services on this host's loopback "
                           "(127.0.0.1); run the KBS there or forward it");
  }
  AddService(services, *port);
  return scheme + "://" + std::string(podproto::kGuestServiceAddress) + ":" +
         std::to_string(*port) + path;
}

// Pod initdata from the flags; the image's registry as PlanRegistryAccess set it up (the image
// keeps its name for the signature policy).
Result<std::string> BuildInitData(const RunFlags& f, const initdata::RegistryRemap& registry,
                                  runtime::Tee tee,
                                  std::vector<runtime::ForwardedService>& services) {
  initdata::Document in;
  // SNP's HOSTDATA holds 32 bytes; a TPM's SHA-256 PCR 8 is extended with the digest.
  if (tee == runtime::Tee::kSevSnp || f.vtpm) in.algorithm = "sha256";
  if (!f.kbs.empty()) {
    ASSIGN_OR_RETURN(in.kbs_url, GuestUrl(f.kbs, services));
  }
  if (!f.kbs_cacert.empty()) {
    ASSIGN_OR_RETURN(in.kbs_cert, base::ReadFile(f.kbs_cacert, "--kbs-cacert"));
  }
  if (!f.policy.empty()) {
    ASSIGN_OR_RETURN(in.image_security_policy, base::ReadFile(f.policy, "--policy"));
  } else {
    in.image_security_policy = R"({"default":[{"type":"insecureAcceptAnything"}]})";
  }
  if (!f.agent_policy.empty()) {
    ASSIGN_OR_RETURN(in.agent_policy, base::ReadFile(f.agent_policy, "--agent-policy"));
  }
  in.registries.push_back(registry);
  return initdata::WriteDocument(in);
}

// The forward, remap and credentials for the image's registry; says so when TLS is off for a
// registry beyond this host.
Result<runtime::RegistryAccess> RegistryFor(const RunFlags& f, const image::Reference& ref,
                                            std::vector<runtime::ForwardedService>& services) {
  runtime::RegistryAccessOptions o;
  o.tls_verify = f.tls_verify;
  o.insecure_registries = f.insecure_registries;
  o.cert_dir = f.cert_dir;
  o.authfile = f.authfile;
  ASSIGN_OR_RETURN(runtime::RegistryAccess access, runtime::PlanRegistryAccess(ref, o, services));
  if (access.insecure && !access.remap.connect_to.empty()) {
    std::fprintf(stderr,
                 "cocoon run: WARNING: registry %s without TLS verification (plain HTTP "
                 "allowed), as asked by --tls-verify=false / --insecure-registry\n",
                 ref.domain.c_str());
  }
  return access;
}

// Forwards for the loopback services a user-supplied initdata names (10.0.2.100:PORT).
void ServicesFromInitData(const std::string& toml,
                          std::vector<runtime::ForwardedService>& services) {
  for (uint16_t port : initdata::ServicePorts(toml, podproto::kGuestServiceAddress)) {
    AddService(services, port);
  }
}

// The agent policy the pod gets, as `cocoon run` states it: the --agent-policy file, the
// initdata's policy.rego, or the agent's default for the guest's TEE (guest/agent_policy.h).
std::string AgentPolicyStep(const RunFlags& f, runtime::Tee tee, const std::string& initdata) {
  if (!f.agent_policy.empty()) return "agent policy: " + f.agent_policy + " (--agent-policy)";
  if (!f.initdata.empty()) {
    auto c = initdata::ParseDocument(initdata);
    if (c && !c->agent_policy.empty()) return "agent policy: policy.rego of " + f.initdata;
  }
  if (tee == runtime::Tee::kNone && !f.vtpm) {
    return "agent policy: the agent's default without a TEE: allow-all (development mode: the "
           "host may exec into the container)";
  }
  return "agent policy: the agent's TEE default: exec, copying files in and reading an exec's "
         "output are refused (--agent-policy FILE to change it)";
}

// "[1/4] …" for the four confidential steps, indented lines for the rest.
void PrintStep(std::string_view line) {
  std::string tag = "     ";
  if (auto step = podproto::StepOf(line))
    tag = "[" + std::to_string(static_cast<int>(*step)) + "/4]";
  std::fprintf(stderr, "%s %.*s\n", tag.c_str(), static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
}

// SIGINT/SIGTERM/SIGHUP while a pod runs kill its VM; RunPod then reports and cleans up.
class InterruptGuard {
 public:
  InterruptGuard() {
    sigemptyset(&set_);
    // SIGUSR2 only wakes the waiting thread when the guard goes away.
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR2}) sigaddset(&set_, s);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this] {
      int sig = 0;
      if (sigwait(&set_, &sig) != 0 || sig == SIGUSR2) return;
      signal_ = sig;
      if (pid_t p = vm_pid_.load(); p > 0) ::kill(-p, SIGKILL);
    });
  }
  ~InterruptGuard() {
    if (signal_ == 0) pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  void VmStarted(pid_t pid) {
    vm_pid_ = pid;
    if (signal_ != 0) ::kill(-pid, SIGKILL);
  }
  int signal() const { return signal_; }

 private:
  sigset_t set_, old_;
  std::atomic<pid_t> vm_pid_{0};
  std::atomic<int> signal_{0};
  std::thread thread_;
};

std::string TimingsJson(const runtime::PodTimings& t) {
  Json j = {{"vm_started_ms", t.vm_started.count()},
            {"agent_ready_ms", t.agent_ready.count()},
            {"attested_ms", t.attested.count()},
            {"key_released_ms", t.key_released.count()},
            {"container_created_ms", t.container_created.count()},
            {"container_started_ms", t.container_started.count()},
            {"first_output_ms", t.first_output.count()},
            {"exited_ms", t.exited.count()},
            {"torn_down_ms", t.torn_down.count()}};
  return j.dump() + "\n";
}

// A software TPM for the pod VM: swtpm with its state in a fresh directory, serving QEMU's
// tpm-emulator backend on a unix socket. Stopped (and the directory removed) with the object;
// swtpm also exits by itself when QEMU disconnects.
class Vtpm {
 public:
  static Result<std::unique_ptr<Vtpm>> Start() {
    const std::string bin = "/usr/bin/swtpm";
    if (!fs::exists(bin)) return NotFound("swtpm is not installed (scripts/setup installs it)");
    std::string tmpl = (fs::temp_directory_path() / "cocoon-vtpm-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return Internal("cannot create a vTPM directory");
    std::unique_ptr<Vtpm> v(new Vtpm(tmpl));
    ASSIGN_OR_RETURN(auto p, runtime::internal::OwnedProcess::Spawn(
                                 {bin, "socket", "--tpm2", "--tpmstate", "dir=" + tmpl, "--ctrl",
                                  "type=unixio,path=" + v->socket(), "--flags", "startup-clear"},
                                 tmpl + "/swtpm.log"));
    v->process_ = std::make_unique<runtime::internal::OwnedProcess>(std::move(p));
    for (int i = 0; i < 200 && !fs::exists(v->socket()); ++i) {
      if (v->process_->Wait(milliseconds(25))) break;
    }
    if (!fs::exists(v->socket())) {
      auto log = base::ReadFile(tmpl + "/swtpm.log", "swtpm log");
      return Unavailable("swtpm did not start: " + (log ? *log : std::string()));
    }
    return v;
  }
  ~Vtpm() {
    process_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string socket() const { return dir_ + "/ctrl.sock"; }

 private:
  explicit Vtpm(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
  std::unique_ptr<runtime::internal::OwnedProcess> process_;
};

int RunCommandMain(const RunFlags& f) {
  auto usage = [](const std::string& msg) {
    std::fprintf(stderr, "cocoon run: %s\n", msg.c_str());
    return 2;
  };
  auto fail = [](const Error& e) {
    std::fprintf(stderr, "cocoon run: %s\n", e.message().c_str());
    return kRunFailed;
  };
  if (f.image_and_args.empty()) return usage("IMAGE is required");
  if (!f.initdata.empty() &&
      (!f.kbs.empty() || !f.policy.empty() || !f.agent_policy.empty() || f.insecure_policy)) {
    return usage(
        "--initdata is used as given: it excludes --kbs, --policy, --agent-policy and "
        "--insecure-policy (put them in the initdata document)");
  }
  if (f.initdata.empty() && f.policy.empty() && !f.insecure_policy) {
    return usage(
        "no image signature policy: give --policy FILE (containers-policy.json) or "
        "--insecure-policy to run unsigned images");
  }
  auto accel = runtime::ParseAccel(f.accel);
  if (!accel) return usage(accel.error().message());
  auto tee = runtime::ParseTee(f.tee);
  if (!tee) return usage(tee.error().message());
  std::string image_name = f.image_and_args[0];
  if (image_name.starts_with("docker://")) image_name = image_name.substr(9);
  auto ref = image::ParseReference(image_name);
  if (!ref) return usage("IMAGE: " + ref.error().message());

  runtime::PodSpec spec;
  spec.image = ref->String();
  spec.args.assign(f.image_and_args.begin() + 1, f.image_and_args.end());
  spec.accel = *accel;
  spec.tee = *tee;
  spec.firmware = f.firmware;
  spec.memory_mib = f.memory_mib;
  spec.vcpus = f.vcpus;
  auto registry = RegistryFor(f, *ref, spec.services);
  if (!registry) return fail(registry.error());
  spec.registry_auth = registry->auth_json;
  if (!f.initdata.empty()) {
    auto text = base::ReadFile(f.initdata, "--initdata");
    if (!text) return fail(text.error());
    spec.initdata = *text;
    ServicesFromInitData(spec.initdata, spec.services);
  } else {
    auto initdata = BuildInitData(f, registry->remap, spec.tee, spec.services);
    if (!initdata) return fail(initdata.error());
    spec.initdata = *initdata;
  }

  if (!f.quiet) PrintStep(AgentPolicyStep(f, spec.tee, spec.initdata));

  Result<runtime::GuestBootFiles> guest =
      f.guest.empty() ? runtime::EnsureGuestImage(AgentBinary(), runtime::DefaultGuestCacheDir())
                      : runtime::FindGuestImage(f.guest);
  if (!guest) return fail(guest.error());
  if (!f.quiet) PrintStep("guest image: " + guest->dir + (guest->built ? " (built now)" : ""));
  // OVMF (SEV-SNP, TDX) boots the bzImage through its EFI stub; plain VMs the faster PVH vmlinux.
  spec.kernel = spec.tee == runtime::Tee::kNone ? guest->kernel : guest->dir + "/vmlinuz";
  spec.initrd = guest->initrd;

  std::unique_ptr<Vtpm> vtpm;
  if (f.vtpm) {
    auto v = Vtpm::Start();
    if (!v) return fail(v.error());
    vtpm = std::move(*v);
    spec.vtpm_socket = vtpm->socket();
  }
  runtime::QemuHypervisor qemu(runtime::DetectHostCaps());
  InterruptGuard interrupts;
  runtime::PodCallbacks cb;
  if (!f.quiet) cb.step = PrintStep;
  cb.out = [](std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
  };
  cb.err = [](std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stderr);
    std::fflush(stderr);
  };
  cb.vm_started = [&interrupts](pid_t pid) { interrupts.VmStarted(pid); };
  runtime::PodTimings timings;
  auto code = runtime::RunPod(qemu, spec, cb, &timings);
  if (!f.timings.empty()) std::ofstream(f.timings, std::ios::trunc) << TimingsJson(timings);
  if (interrupts.signal() != 0) {
    std::fprintf(stderr, "cocoon run: interrupted by signal %d; the pod VM was stopped\n",
                 interrupts.signal());
    return 128 + interrupts.signal();
  }
  if (!code) return fail(code.error());
  return *code;
}

// ---- cocoon demo -------------------------------------------------------------------------------

struct DemoFlags {
  std::string guest;
  std::string timings;
  std::string accel = "auto";
  bool keep = false;
};

Result<uint16_t> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Internal("socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  if (!ok) return Internal("cannot find a free loopback port");
  return ntohs(a.sin_port);
}

bool PortAccepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

Status WriteText(const std::string& path, std::string_view text, fs::perms perms) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return Internal("cannot write " + path);
  std::error_code ec;
  fs::permissions(path, perms, ec);
  return Ok();
}

// Runs this binary with `args` (what a user would type), echoing the command.
Status Self(std::vector<std::string> args) {
  std::string shown = "cocoon";
  for (const auto& a : args) shown += " " + a;
  std::fprintf(stderr, "      $ %s\n", shown.c_str());
  args.insert(args.begin(), "/proc/self/exe");
  ASSIGN_OR_RETURN(auto r, runtime::internal::RunCommand(args));
  if (r.exit_code != 0) {
    return Internal("`" + shown + "` failed (exit " + std::to_string(r.exit_code) + "): " + r.err);
  }
  return Ok();
}

class DemoEnv {
 public:
  explicit DemoEnv(bool keep) : keep_(keep) {}
  ~DemoEnv() {
    registry_.reset();
    kbs_.reset();
    std::error_code ec;
    if (!dir_.empty() && !keep_) fs::remove_all(dir_, ec);
  }

  Status Start() {
    std::string tmpl = (fs::temp_directory_path() / "cocoon-demo-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return Internal("cannot create a demo directory");
    dir_ = tmpl;
    std::fprintf(stderr, "demo: working in %s\n", dir_.c_str());
    TRY(Keys());
    TRY(StartKbs());
    TRY(StartRegistry());
    return Ok();
  }

  const std::string& dir() const { return dir_; }
  const std::string& kbs_url() const { return kbs_url_; }
  std::string registry() const { return "127.0.0.1:" + std::to_string(registry_port_); }
  std::string File(const std::string& name) const { return dir_ + "/" + name; }

 private:
  // <name>.key (PKCS#8, 0600) and <name>.pub (SPKI PEM) of a fresh key of `type`.
  Status KeyPair(const std::string& name, crypto::KeyType type) {
    ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(type));
    ASSIGN_OR_RETURN(auto pem, key.ToPem());
    TRY(WriteText(File(name + ".key"),
                  std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size()),
                  fs::perms::owner_read | fs::perms::owner_write));
    ASSIGN_OR_RETURN(std::string pub, key.public_key().ToPem());
    return WriteText(File(name + ".pub"), pub, fs::perms::owner_read | fs::perms::owner_write);
  }

  Status Keys() {
    TRY(KeyPair("admin", crypto::KeyType::kEd25519));    // the KBS administrator
    return KeyPair("cosign", crypto::KeyType::kEcP256);  // the image signer
  }

  Status StartKbs() {
    std::string config = R"([http_server]
sockets = ["127.0.0.1:0"]
insecure_http = true

[attestation_service]
type = "coco_as_builtin"
# The demo's pod VM has no hardware TEE: it attests with the sample TEE, whose evidence proves
# nothing. Accepted here only because this KBS is the demo's own, on 127.0.0.1; never in production.
insecure_sample_tee = true

[admin]
authorization_mode = "AuthenticatedAuthorization"
[admin.authentication.bearer_jwt]
identity_providers = [ { public_key_uri = ")" +
                         File("admin.pub") + R"(" } ]
[admin.authorization.regex_acl]
acls = [ { role = "admin", allowed_endpoints = "^/kbs/.+$" } ]

[storage_backend]
storage_type = "Sqlite"
[storage_backend.backends.sqlite]
path = ")" + File("kbs.sqlite") +
                         R"("

# Release resources only to evidence the attestation service appraises as "affirming": for the
# sample TEE that needs its reference values registered (the demo does that).
[policy_engine]
builtin = "affirming"
)";
    TRY(WriteText(File("kbs.toml"), config, fs::perms::owner_read | fs::perms::owner_write));
    std::string kbs_bin = SelfDir() + "/cocoon-kbs";  // installed and built side by side
    if (!fs::exists(kbs_bin)) return NotFound(kbs_bin + " is missing (build or install it)");
    ASSIGN_OR_RETURN(auto p, runtime::internal::OwnedProcess::Spawn(
                                 {kbs_bin, "--config-file", File("kbs.toml")}, File("kbs.log")));
    kbs_ = std::make_unique<runtime::internal::OwnedProcess>(std::move(p));
    for (int i = 0; i < 200; ++i) {
      auto log = base::ReadFile(File("kbs.log"), "kbs log");
      if (log) {
        auto at = log->find("listening on http://");
        if (at != std::string::npos) {
          auto end = log->find_first_of(" \n", at + 13);
          kbs_url_ = log->substr(at + 13, end - at - 13);
          std::fprintf(stderr, "demo: key broker (cocoon-kbs, SQLite) at %s\n", kbs_url_.c_str());
          return Ok();
        }
      }
      if (kbs_->Wait(milliseconds(50))) break;
    }
    auto log = base::ReadFile(File("kbs.log"), "kbs log");
    return Unavailable("cocoon-kbs did not start: " + (log ? *log : std::string()));
  }

  Status StartRegistry() {
    const std::string bin = "/usr/bin/docker-registry";
    if (!fs::exists(bin)) {
      return NotFound("docker-registry is not installed (scripts/setup installs it)");
    }
    ASSIGN_OR_RETURN(registry_port_, FreeLoopbackPort());
    std::string yml = "version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: " +
                      File("registry") +
                      "}}\nhttp: {addr: 127.0.0.1:" + std::to_string(registry_port_) + "}\n";
    TRY(WriteText(File("registry.yml"), yml, fs::perms::owner_read | fs::perms::owner_write));
    ASSIGN_OR_RETURN(auto p, runtime::internal::OwnedProcess::Spawn(
                                 {bin, "serve", File("registry.yml")}, File("registry.log")));
    registry_ = std::make_unique<runtime::internal::OwnedProcess>(std::move(p));
    for (int i = 0; i < 200; ++i) {
      if (PortAccepts(registry_port_)) {
        std::fprintf(stderr, "demo: registry (docker-registry) at %s\n", registry().c_str());
        return Ok();
      }
      if (registry_->Wait(milliseconds(50))) break;
    }
    auto log = base::ReadFile(File("registry.log"), "registry log");
    return Unavailable("docker-registry did not start: " + (log ? *log : std::string()));
  }

  bool keep_;
  std::string dir_;
  std::string kbs_url_;
  uint16_t registry_port_ = 0;
  std::unique_ptr<runtime::internal::OwnedProcess> kbs_, registry_;
};

int RunDemo(const DemoFlags& f) {
  auto fail = [](const Error& e) {
    std::fprintf(stderr, "demo FAILED: %s\n", e.message().c_str());
    return 1;
  };
  DemoEnv env(f.keep);
  if (auto st = env.Start(); !st) return fail(st.error());
  std::string kid = "kbs:///default/image-key/demo";
  std::string repo = env.registry() + "/cocoon-demo";
  std::string image = repo + ":encrypted";

  std::fprintf(stderr, "demo: the workload owner builds, encrypts and signs the sample image\n");
  auto layout = image::BuildSampleImage(env.File("sample"), "latest");
  if (!layout) return fail(layout.error());
  if (auto st = Self({"image", "encrypt", "--encryption-key", "provider:attestation-agent:" + kid,
                      "--kbs", env.kbs_url(), "--admin-key", env.File("admin.key"),
                      "--dest-tls-verify=false", *layout, "docker://" + image});
      !st) {
    return fail(st.error());
  }
  if (auto st = Self({"image", "sign", "--key", env.File("cosign.key"), "--tls-verify=false",
                      "docker://" + image});
      !st) {
    return fail(st.error());
  }
  auto pub = base::ReadFile(env.File("cosign.pub"), "cosign.pub");
  if (!pub) return fail(pub.error());
  Json policy = {{"default", {{{"type", "reject"}}}},
                 {"transports",
                  {{"docker",
                    {{repo,
                      {{{"type", "sigstoreSigned"},
                        {"keyData", base::Base64Encode(AsBytes(*pub))},
                        {"signedIdentity", {{"type", "matchRepository"}}}}}}}}}}};
  if (auto st = WriteText(env.File("policy.json"), policy.dump(2) + "\n",
                          fs::perms::owner_read | fs::perms::owner_write);
      !st) {
    return fail(st.error());
  }
  std::fprintf(stderr, "demo: the owner registers the sample TEE's reference values\n");
  for (auto [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"launch_digest", R"(["abcde"])"},
                                                        {"svn", R"(["1"])"},
                                                        {"major_version", "1"},
                                                        {"minimum_minor_version", "0"}}) {
    if (auto st = Self({"kbs", "set-reference-value", name, value, "--url", env.kbs_url(),
                        "--admin-key", env.File("admin.key")});
        !st) {
      return fail(st.error());
    }
  }
  std::fprintf(stderr, "demo: the pod VM runs it (sample TEE; the four steps follow)\n");
  std::fprintf(stderr, "      $ cocoon run --kbs %s --policy %s %s\n", env.kbs_url().c_str(),
               env.File("policy.json").c_str(), image.c_str());
  RunFlags rf;
  rf.kbs = env.kbs_url();
  rf.policy = env.File("policy.json");
  rf.guest = f.guest;
  rf.accel = f.accel;
  rf.timings = f.timings;
  rf.image_and_args = {image};
  int code = RunCommandMain(rf);
  if (code != 0) {
    std::fprintf(stderr, "demo FAILED: cocoon run exited with %d (logs in %s)\n", code,
                 env.dir().c_str());
    return 1;
  }
  std::fprintf(stderr, "demo OK: cleaning up (KBS, registry, %s)\n",
               f.keep ? "work directory kept" : "work directory");
  return 0;
}

}  // namespace

void AddRunCommands(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<RunFlags>();
  auto* run = app.add_subcommand(
      "run",
      "Run IMAGE as a confidential container in a pod VM: the guest attests to the KBS, "
      "receives the image key, pulls, verifies and decrypts the image itself and runs it. "
      "Exits with the container's status; 125 when cocoon run fails, 2 on usage errors.");
  run->add_option("--kbs", f->kbs, "KBS URL on this host (http://127.0.0.1:PORT)");
  run->add_option("--kbs-cacert", f->kbs_cacert, "PEM CA certificate of an HTTPS KBS");
  run->add_option("--policy", f->policy,
                  "containers-policy.json the guest enforces (signature verification)");
  run->add_flag("--insecure-policy", f->insecure_policy,
                "accept unsigned images (insecureAcceptAnything)");
  run->add_option("--agent-policy", f->agent_policy,
                  "agent policy (Rego, package agent_policy); default: the agent's (in a TEE, "
                  "exec and copying files in are refused; without one, allow-all)");
  run->add_option("--initdata", f->initdata,
                  "initdata TOML used as given (instead of the one built from the flags)");
  run->add_option("--guest", f->guest,
                  "guest image directory (cocoon guest build --output DIR); default: built "
                  "once per cocoon-agent into ~/.cache/cocoon/guest");
  run->add_option("--accel", f->accel, "auto|tcg|kvm")->capture_default_str();
  run->add_option("--tee", f->tee,
                  "none (sample attester) | sev-snp | tdx: launch the pod VM as a confidential "
                  "guest (needs the hardware, KVM and --firmware)")
      ->capture_default_str();
  run->add_flag("--vtpm", f->vtpm,
                "give the pod VM a software TPM (swtpm): the guest attests with TPM quotes "
                "(initdata bound in PCR 8)");
  run->add_option("--firmware", f->firmware,
                  "OVMF for SEV-SNP (AMDSEV.fd) or TDX (OVMF.inteltdx.fd)");
  run->add_option("--memory", f->memory_mib, "guest memory in MiB")->capture_default_str();
  run->add_option("--vcpus", f->vcpus, "guest vCPUs")->capture_default_str();
  run->add_option("--tls-verify", f->tls_verify,
                  "verify the registry's TLS certificate (--tls-verify=false: also plain HTTP; "
                  "loopback registries are always plain HTTP)")
      ->capture_default_str();
  run->add_option("--insecure-registry", f->insecure_registries,
                  "HOST[:PORT] reached without TLS verification or over plain HTTP (repeatable)");
  run->add_option("--cert-dir", f->cert_dir,
                  "trust the *.crt in DIR for the registry (default: certs.d/HOST:PORT under "
                  "/etc/containers, /etc/docker, ~/.config/containers; the system CAs always)");
  run->add_option("--authfile", f->authfile,
                  "containers auth.json with registry credentials (default: skopeo's search "
                  "path); the guest gets the image's entry over the agent channel");
  run->add_flag("--quiet", f->quiet, "do not print the steps");
  run->add_option("--timings", f->timings, "write the stage timings as JSON to this file");
  run->prefix_command();  // IMAGE and everything after it are the image and its command
  run->callback([f, run, exit_code] {
    f->image_and_args = run->remaining();
    *exit_code = RunCommandMain(*f);
  });

  auto d = std::make_shared<DemoFlags>();
  auto* demo = app.add_subcommand(
      "demo",
      "The whole flow on this machine with nothing configured: a KBS (SQLite) and a registry "
      "on free loopback ports, a sample image encrypted with a key stored in the KBS and "
      "signed, then run as a confidential container; everything is cleaned up after.");
  demo->add_option("--guest", d->guest, "guest image directory (default: built once)");
  demo->add_option("--accel", d->accel, "auto|tcg|kvm")->capture_default_str();
  demo->add_flag("--keep", d->keep, "keep the work directory (keys, logs, policy)");
  demo->add_option("--timings", d->timings, "write the pod's stage timings as JSON here");
  demo->callback([d, exit_code] { *exit_code = RunDemo(*d); });
}

}  // namespace cocoon::cli
