// A Kubernetes pod through containerd's CRI, with no kubelet (labels e2e, vm): a private
// containerd 1.6 with its CRI plugin, cocoon-snapshotter as its snapshotter and the runtime
// handler `cocoon` → containerd-shim-cocoon-v2, driven by the calls a kubelet makes
// (tests/cri_client.h). The demo's encrypted, signed image is pulled through CRI without any
// layer reaching the host, then pulled, verified and decrypted in the pod VM, and the container's
// output lands in the CRI log a `kubectl logs` would read.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/json.h"
#include "tests/cri_client.h"
#include "tests/harness.h"
#include "tests/pod_fixture.h"

namespace cocoon {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;
namespace cri = ::runtime::v1;

class CriE2e : public PodFixture {
 protected:
  void SetUp() override {
    PodFixture::SetUp();
    if (HasFatalFailure()) return;
    Push("v1");
    if (HasFatalFailure()) return;
    // The sandbox (pause) image: any image serves, the pod VM never runs it.
    auto copy =
        harness::Run({"/usr/bin/skopeo", "copy", "--insecure-policy", "--dest-tls-verify=false",
                      layout_, "docker://" + registry_->host() + "/pause:3.6"});
    ASSERT_EQ(copy.exit_code, 0) << copy.err;
    auto init = Cocoon({"initdata", "--annotation", "--kbs", kbs_url_, "--policy",
                        dir_.File("policy.json"), repo_ + ":v1"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    annotation_ = init.out.substr(0, init.out.find('\n'));

    fs::create_directories(dir_.File("cni"));
    dir_.Write("cni/10-cocoon-test.conflist", R"({"cniVersion": "0.4.0", "name": "cocoon-test",
  "plugins": [{"type": "bridge", "bridge": ")" + Bridge() +
                                                  R"(", "isGateway": true,
    "ipMasq": false, "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.89.)" +
                                                  std::to_string(::getpid() % 200 + 10) +
                                                  R"(.0/24"}]]}}]})");
    // The node: the operator's containerd config (this containerd's own root, state and socket,
    // the test registry as the pause image's mirror), then `cocoon install --containerd` as an
    // operator runs it, with every node path under node/.
    std::string reg = registry_->host();
    fs::create_directories(dir_.File("ctd"));
    fs::create_directories(Node("/etc/containerd"));
    fs::create_directories(Node("/etc/cocoon"));
    dir_.Write("node/etc/cocoon/shim.toml", "[vm]\nmemory_mib = 1024\n");
    dir_.Write("node/etc/containerd/config.toml", R"(version = 2
root = ")" + dir_.File("ctd/root") + R"("
state = ")" + dir_.File("ctd/state") + R"("
[grpc]
  address = ")" + CtdSocket() + R"("
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ")" + reg + R"(/pause:3.6"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = ")" + dir_.File("cni") +
                                                                  R"("
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors.")" +
                                                                  reg + R"("]
    endpoint = ["http://)" + reg + R"("]
)");
    node_before_ = NodeTree();
    auto install = Cocoon(InstallArgs("install"));
    ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
    // The snapshotter as the installed systemd unit starts it.
    auto unit = harness::ReadFile(Node("/etc/systemd/system/cocoon-snapshotter.service"));
    auto exec = unit.find("ExecStart=");
    ASSERT_NE(exec, std::string::npos) << unit;
    std::vector<std::string> argv;
    std::istringstream words(unit.substr(exec + 10, unit.find('\n', exec) - exec - 10));
    for (std::string w; words >> w;) argv.push_back(w);
    snapshotter_ = std::make_unique<harness::Process>(argv);
    for (int i = 0; i < 100 && !fs::exists(SnapSocket()); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(fs::exists(SnapSocket())) << harness::ReadFile(snapshotter_->stderr_path());

    // The shims inherit TMPDIR: this test's pod VMs have their run directories under vm_tmp_.
    vm_tmp_ = "/tmp/cvm-" + std::to_string(::getpid()) + "-cri";
    fs::create_directories(vm_tmp_);
    StartContainerd();
  }

  // containerd with the installed config, and a CRI client once it answers.
  void StartContainerd() {
    // containerd 1.6.20 finds the shim for the sandbox on its PATH (it does not apply the
    // runtime's runtime_path there): the installer's link directory comes first, as
    // /usr/local/bin does on a node.
    const char* path = std::getenv("PATH");
    containerd_ = std::make_unique<harness::Process>(std::vector<std::string>{
        "/usr/bin/env", "TMPDIR=" + vm_tmp_,
        "PATH=" + Node("/usr/local/bin") + ":" + (path ? path : "/usr/sbin:/usr/bin:/sbin:/bin"),
        "/usr/bin/containerd", "--config", Node("/etc/containerd/config.toml")});
    for (int i = 0; i < 200 && !fs::exists(CtdSocket()); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    cri_ = std::make_unique<testing::CriClient>(CtdSocket());
    bool ready = false;
    for (int i = 0; i < 100 && !ready; ++i) {
      ready = bool(cri_->Version(cri::VersionRequest()));
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(ready) << harness::ReadFile(containerd_->stderr_path());
  }

  void TearDown() override {
    containerd_.reset();
    snapshotter_.reset();
    harness::Run({"/sbin/ip", "link", "del", Bridge()});
    // `cocoon uninstall` leaves the node as it found it.
    if (!node_before_.empty()) {
      auto uninstall = Cocoon(InstallArgs("uninstall"));
      EXPECT_EQ(uninstall.exit_code, 0) << uninstall.out << uninstall.err;
      auto after = NodeTree();
      for (auto it = after.begin(); it != after.end();) {
        bool new_empty_dir = it->first.ends_with("/") && !node_before_.contains(it->first);
        it = new_empty_dir ? after.erase(it) : std::next(it);
      }
      EXPECT_EQ(after, node_before_) << "cocoon uninstall left the node changed";
    }
    for (int i = 0; i < 50 && QemusUnder(vm_tmp_) != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(QemusUnder(vm_tmp_), 0u) << "a pod VM outlived its pod";
    std::error_code ec;
    fs::remove_all(vm_tmp_, ec);
  }

  std::string CtdSocket() const { return dir_.File("ctd/c.sock"); }
  std::string Node(const std::string& path) const { return dir_.File("node") + path; }
  // In the command line of this test's shims (and no other test's).
  std::string ShimMarker() const { return "-address " + CtdSocket(); }
  // `cocoon install|uninstall --containerd` with every node path under node/ (the test's
  // containerd is not the host's, and systemd is not in charge of it: --no-restart).
  std::vector<std::string> InstallArgs(const std::string& verb) const {
    std::vector<std::string> a = {verb,
                                  "--containerd",
                                  "--no-restart",
                                  "--prefix",
                                  Node("/opt/cocoon"),
                                  "--containerd-config",
                                  Node("/etc/containerd/config.toml"),
                                  "--shim-config",
                                  Node("/etc/cocoon/shim.toml"),
                                  "--shim-link",
                                  Node("/usr/local/bin/containerd-shim-cocoon-v2"),
                                  "--systemd-dir",
                                  Node("/etc/systemd/system"),
                                  "--snapshotter-socket",
                                  SnapSocket(),
                                  "--snapshotter-root",
                                  Node("/var/lib/cocoon-snapshotter")};
    if (verb == "install") {
      a.push_back("--from");
      a.push_back(fs::path(harness::BinaryPath("cocoon")).parent_path().string());
    }
    return a;
  }
  // The node's files (path → bytes or link target) and its empty directories.
  std::map<std::string, std::string> NodeTree() const {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_.File("node"))) {
      std::string rel = fs::relative(e.path(), dir_.File("node")).string();
      if (e.is_symlink()) {
        out[rel] = "-> " + fs::read_symlink(e.path()).string();
      } else if (e.is_regular_file()) {
        out[rel] = harness::ReadFile(e.path().string());
      } else if (e.is_directory() && fs::is_empty(e.path())) {
        out[rel + "/"] = "";
      }
    }
    return out;
  }
  std::string SnapSocket() const {
    return "/tmp/cocoon-snap-" + std::to_string(::getpid()) + ".sock";
  }
  std::string Bridge() const { return "cni-coc" + std::to_string(::getpid() % 100000); }
  std::string ContainerdLog() const { return harness::ReadFile(containerd_->stderr_path()); }

  cri::PodSandboxConfig SandboxConfig(const std::string& name) {
    cri::PodSandboxConfig c;
    c.mutable_metadata()->set_name(name);
    c.mutable_metadata()->set_uid(name + "-uid");
    c.mutable_metadata()->set_namespace_("default");
    c.set_hostname(name);
    c.set_log_directory(dir_.File("pods/" + name));
    fs::create_directories(dir_.File("pods/" + name));
    (*c.mutable_annotations())["io.katacontainers.config.hypervisor.cc_init_data"] = annotation_;
    auto* ns = c.mutable_linux()->mutable_security_context()->mutable_namespace_options();
    ns->set_network(cri::POD);
    ns->set_pid(cri::CONTAINER);
    ns->set_ipc(cri::POD);
    return c;
  }

  // RunPodSandbox (runtime handler `cocoon`, initdata annotation `initdata`) and PullImage of
  // repo_:v1; returns the sandbox id and fills `config` and `image_ref`.
  std::string StartPod(const std::string& name, const std::string& initdata,
                       cri::PodSandboxConfig& config, std::string& image_ref) {
    cri::RunPodSandboxRequest run;
    *run.mutable_config() = SandboxConfig(name);
    (*run.mutable_config()->mutable_annotations())
        ["io.katacontainers.config.hypervisor.cc_init_data"] = initdata;
    run.set_runtime_handler("cocoon");
    auto sandbox = cri_->RunPodSandbox(run);
    EXPECT_TRUE(sandbox) << sandbox.error().message() << ContainerdLog();
    if (!sandbox) return "";
    config = run.config();
    cri::PullImageRequest pull;
    pull.mutable_image()->set_image(repo_ + ":v1");
    *pull.mutable_sandbox_config() = config;
    auto pulled = cri_->PullImage(pull);
    EXPECT_TRUE(pulled) << pulled.error().message();
    if (pulled) image_ref = pulled->image_ref();
    return sandbox->pod_sandbox_id();
  }

  // CreateContainer + StartContainer of `script` (run by /bin/sh -c) as container `name`.
  std::string RunContainer(const std::string& sandbox, const cri::PodSandboxConfig& config,
                           const std::string& image_ref, const std::string& name,
                           const std::string& script) {
    cri::CreateContainerRequest create;
    create.set_pod_sandbox_id(sandbox);
    create.mutable_config()->mutable_metadata()->set_name(name);
    create.mutable_config()->mutable_image()->set_image(image_ref);
    create.mutable_config()->add_command("/bin/sh");
    create.mutable_config()->add_args("-c");
    create.mutable_config()->add_args(script);
    create.mutable_config()->set_log_path(name + "/0.log");
    fs::create_directories(config.log_directory() + "/" + name);
    *create.mutable_sandbox_config() = config;
    auto container = cri_->CreateContainer(create);
    EXPECT_TRUE(container) << container.error().message() << ContainerdLog();
    if (!container) return "";
    cri::StartContainerRequest start;
    start.set_container_id(container->container_id());
    auto started = cri_->StartContainer(start);
    EXPECT_TRUE(started) << started.error().message() << ContainerdLog();
    return container->container_id();
  }

  cri::ContainerStatus Status(const std::string& id) {
    cri::ContainerStatusRequest req;
    req.set_container_id(id);
    auto s = cri_->ContainerStatus(req);
    EXPECT_TRUE(s) << s.error().message();
    return s ? s->status() : cri::ContainerStatus();
  }

  // Polls the container's CRI log until it holds `text` (up to `limit`).
  bool LogHas(const cri::PodSandboxConfig& config, const std::string& name,
              const std::string& text, seconds limit = seconds(60)) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (harness::ReadFile(config.log_directory() + "/" + name + "/0.log").find(text) !=
          std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  Result<cri::StopPodSandboxResponse> StopPod(const std::string& sandbox) {
    cri::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(sandbox);
    return cri_->StopPodSandbox(stop);
  }

  void RemovePod(const std::string& sandbox) {
    auto stopped = StopPod(sandbox);
    EXPECT_TRUE(stopped) << stopped.error().message() << ContainerdLog();
    cri::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(sandbox);
    auto removed = cri_->RemovePodSandbox(remove);
    EXPECT_TRUE(removed) << removed.error().message();
  }

  std::string annotation_;
  std::string vm_tmp_;
  std::map<std::string, std::string> node_before_;
  std::unique_ptr<harness::Process> snapshotter_;
  std::unique_ptr<harness::Process> containerd_;
  std::unique_ptr<testing::CriClient> cri_;
};

TEST_F(CriE2e, KubeletSequenceRunsAnEncryptedImageInThePodVm) {
  // RunPodSandbox with the runtime handler a RuntimeClass names.
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = SandboxConfig("pod1");
  run.set_runtime_handler("cocoon");
  auto sandbox = cri_->RunPodSandbox(run);
  ASSERT_TRUE(sandbox) << sandbox.error().message() << ContainerdLog();
  const std::string sb = sandbox->pod_sandbox_id();
  EXPECT_EQ(QemusUnder(vm_tmp_), 1u);

  // PullImage: the host fetches the manifest and config only.
  cri::PullImageRequest pull;
  pull.mutable_image()->set_image(repo_ + ":v1");
  *pull.mutable_sandbox_config() = run.config();
  auto pulled = cri_->PullImage(pull);
  ASSERT_TRUE(pulled) << pulled.error().message() << ContainerdLog();
  EXPECT_TRUE(pulled->image_ref().starts_with("sha256:")) << pulled->image_ref();
  auto manifest = harness::Run(
      {"/usr/bin/skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + repo_ + ":v1"});
  ASSERT_EQ(manifest.exit_code, 0) << manifest.err;
  auto m = base::ParseJson(manifest.out);
  ASSERT_TRUE(m && m->contains("layers")) << manifest.out;
  auto content = harness::Run(
      {"/usr/bin/ctr", "--address", CtdSocket(), "-n", "k8s.io", "content", "ls", "-q"});
  ASSERT_EQ(content.exit_code, 0) << content.err;
  for (const auto& layer : (*m)["layers"]) {
    std::string digest = layer["digest"].get<std::string>();
    EXPECT_EQ(content.out.find(digest), std::string::npos)
        << "layer " << digest << " reached the host's content store";
  }

  // CreateContainer + StartContainer: the guest pulls, verifies, decrypts and runs it.
  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(sb);
  create.mutable_config()->mutable_metadata()->set_name("app");
  create.mutable_config()->mutable_image()->set_image(pulled->image_ref());
  create.mutable_config()->add_command("/bin/sh");
  create.mutable_config()->add_args("-c");
  create.mutable_config()->add_args("echo hello-from-cri; exit 0");
  create.mutable_config()->set_log_path("app/0.log");
  fs::create_directories(dir_.File("pods/pod1/app"));
  *create.mutable_sandbox_config() = run.config();
  auto container = cri_->CreateContainer(create);
  ASSERT_TRUE(container) << container.error().message() << ContainerdLog();
  cri::StartContainerRequest start;
  start.set_container_id(container->container_id());
  auto started = cri_->StartContainer(start);
  ASSERT_TRUE(started) << started.error().message() << ContainerdLog();

  cri::ContainerStatusRequest status;
  status.set_container_id(container->container_id());
  cri::ContainerStatusResponse st;
  for (int i = 0; i < 600; ++i) {
    auto s = cri_->ContainerStatus(status);
    ASSERT_TRUE(s) << s.error().message();
    st = *s;
    if (st.status().state() == cri::CONTAINER_EXITED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(st.status().state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(st.status().exit_code(), 0);
  std::string log = harness::ReadFile(dir_.File("pods/pod1/app/0.log"));
  EXPECT_NE(log.find(" stdout F hello-from-cri"), std::string::npos) << log;
  EXPECT_EQ(QemusUnder(vm_tmp_), 1u) << "the container ran in the sandbox's VM";

  // Teardown as the kubelet does it.
  auto stopped = StopPod(sb);
  ASSERT_TRUE(stopped) << stopped.error().message() << ContainerdLog();
  cri::RemovePodSandboxRequest remove;
  remove.set_pod_sandbox_id(sb);
  auto removed = cri_->RemovePodSandbox(remove);
  ASSERT_TRUE(removed) << removed.error().message();
}

// What kubectl does to a running pod, through CRI: two containers share the pod VM; `kubectl
// exec` (ExecSync) returns the command's output and exit code; `kubectl delete pod` stops each
// container with its grace period (SIGTERM, then SIGKILL when it is ignored), and
// ContainerStatus reports the exit code and reason kubectl shows.
TEST_F(CriE2e, KubectlPathsInATwoContainerPod) {
  cri::PodSandboxConfig config;
  std::string image;
  std::string sb = StartPod("pod2", annotation_, config, image);
  ASSERT_FALSE(sb.empty());
  // `web` leaves on SIGTERM; `side` (PID 1 of its PID namespace, no handler) ignores it.
  std::string web = RunContainer(
      sb, config, image, "web",
      "trap 'echo got-term; exit 0' TERM; echo web-up; while :; do sleep 1; done");
  std::string side = RunContainer(sb, config, image, "side", "echo side-up; sleep 600");
  ASSERT_FALSE(web.empty());
  ASSERT_FALSE(side.empty());
  EXPECT_TRUE(LogHas(config, "web", " stdout F web-up"));
  EXPECT_TRUE(LogHas(config, "side", " stdout F side-up"));
  EXPECT_EQ(QemusUnder(vm_tmp_), 1u) << "both containers run in the pod's one VM";
  EXPECT_EQ(Status(web).state(), cri::CONTAINER_RUNNING);

  cri::ExecSyncRequest exec;
  exec.set_container_id(web);
  exec.add_cmd("/bin/sh");
  exec.add_cmd("-c");
  exec.add_cmd("echo exec-out; echo exec-err >&2; exit 3");
  exec.set_timeout(60);
  auto r = cri_->ExecSync(exec);
  ASSERT_TRUE(r) << r.error().message() << ContainerdLog();
  EXPECT_EQ(r->exit_code(), 3);
  EXPECT_EQ(r->stdout(), "exec-out\n");
  EXPECT_EQ(r->stderr(), "exec-err\n");

  cri::StopContainerRequest stop;
  stop.set_container_id(web);
  stop.set_timeout(30);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(cri_->StopContainer(stop));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(25)) << "web left on SIGTERM";
  auto ws = Status(web);
  EXPECT_EQ(ws.state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(ws.exit_code(), 0);
  EXPECT_EQ(ws.reason(), "Completed");
  EXPECT_TRUE(LogHas(config, "web", " stdout F got-term", seconds(5)));

  stop.set_container_id(side);
  stop.set_timeout(2);
  t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(cri_->StopContainer(stop));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, seconds(2)) << "the grace period was given";
  auto ss = Status(side);
  EXPECT_EQ(ss.state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(ss.exit_code(), 137);
  EXPECT_EQ(ss.reason(), "Error");
  EXPECT_EQ(QemusUnder(vm_tmp_), 1u) << "the pod VM outlives its containers until the pod goes";

  RemovePod(sb);
  for (int i = 0; i < 50 && QemusUnder(vm_tmp_) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(QemusUnder(vm_tmp_), 0u);
}

// The pod's initdata carries an agent policy that refuses ExecProcess (examples/policy): the
// host cannot exec into the container, whatever containerd asks.
TEST_F(CriE2e, AnAgentPolicyRefusesExecSync) {
  auto init = Cocoon({"initdata", "--annotation", "--kbs", kbs_url_, "--policy",
                      dir_.File("policy.json"), "--agent-policy",
                      std::string(COCOON_SOURCE_DIR) + "/examples/policy/agent-policy.rego",
                      repo_ + ":v1"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  cri::PodSandboxConfig config;
  std::string image;
  std::string sb = StartPod("pod3", init.out.substr(0, init.out.find('\n')), config, image);
  ASSERT_FALSE(sb.empty());
  std::string app = RunContainer(sb, config, image, "app", "echo app-up; sleep 600");
  ASSERT_FALSE(app.empty());
  EXPECT_TRUE(LogHas(config, "app", " stdout F app-up"));
  cri::ExecSyncRequest exec;
  exec.set_container_id(app);
  exec.add_cmd("/bin/cat");
  exec.add_cmd("/hello.txt");
  exec.set_timeout(60);
  auto r = cri_->ExecSync(exec);
  ASSERT_FALSE(r) << "exec ran: " << r->stdout();
  EXPECT_NE(r.error().message().find("ExecProcessRequest"), std::string::npos)
      << r.error().message();
  RemovePod(sb);
}


// Recovery: containerd restarted under a running pod reconnects to its shim (the pod keeps
// running and answers exec); a pod VM that dies ends its containers, and a shim killed with
// SIGKILL takes its VM with it; either pod is then removed normally and nothing is left.
TEST_F(CriE2e, ContainerdRestartsAndKilledVmsOrShimsAreRecovered) {
  cri::PodSandboxConfig config;
  std::string image;
  std::string a = StartPod("pod-a", annotation_, config, image);
  ASSERT_FALSE(a.empty());
  std::string app = RunContainer(a, config, image, "app", "echo app-up; sleep 600");
  ASSERT_FALSE(app.empty());
  ASSERT_TRUE(LogHas(config, "app", " stdout F app-up"));

  // containerd restarts; the shim daemon does not.
  std::set<pid_t> shims = ProcessesWith(ShimMarker());
  ASSERT_EQ(shims.size(), 1u);
  containerd_->Terminate();
  StartContainerd();
  if (HasFatalFailure()) return;
  EXPECT_EQ(ProcessesWith(ShimMarker()), shims);
  EXPECT_EQ(Status(app).state(), cri::CONTAINER_RUNNING) << ContainerdLog();
  cri::ExecSyncRequest exec;
  exec.set_container_id(app);
  exec.add_cmd("/bin/sh");
  exec.add_cmd("-c");
  exec.add_cmd("echo still-here");
  exec.set_timeout(60);
  auto r = cri_->ExecSync(exec);
  ASSERT_TRUE(r) << r.error().message() << ContainerdLog();
  EXPECT_EQ(r->stdout(), "still-here\n");

  // The pod VM dies under the running container.
  for (pid_t q : ProcessesWith(vm_tmp_ + "/cocoon-vm-")) ::kill(q, SIGKILL);
  cri::ContainerStatus st;
  for (int i = 0; i < 150; ++i) {
    st = Status(app);
    if (st.state() == cri::CONTAINER_EXITED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(st.state(), cri::CONTAINER_EXITED);
  EXPECT_NE(st.exit_code(), 0);
  RemovePod(a);

  // A second pod whose shim is killed.
  std::string b = StartPod("pod-b", annotation_, config, image);
  ASSERT_FALSE(b.empty());
  std::string app_b = RunContainer(b, config, image, "app", "echo b-up; sleep 600");
  ASSERT_FALSE(app_b.empty());
  ASSERT_TRUE(LogHas(config, "app", " stdout F b-up"));
  for (pid_t s : ProcessesWith(ShimMarker())) ::kill(s, SIGKILL);
  for (int i = 0; i < 100 && QemusUnder(vm_tmp_) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(QemusUnder(vm_tmp_), 0u) << "the VM dies with its shim";
  for (int i = 0; i < 150; ++i) {
    st = Status(app_b);
    if (st.state() == cri::CONTAINER_EXITED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(st.state(), cri::CONTAINER_EXITED) << ContainerdLog();
  RemovePod(b);
  EXPECT_TRUE(ProcessesWith(ShimMarker()).empty());
}




// Pod networking: the pod VM joins the network namespace CRI created (CNI bridge), takes the pod
// IP, and reaches the node over the pod network; a service in a container answers on the pod IP
// from the node.
TEST_F(CriE2e, ThePodVmHasThePodIpAndServesOnIt) {
  cri::PodSandboxConfig config;
  std::string image;
  std::string sb = StartPod("pod-net", annotation_, config, image);
  ASSERT_FALSE(sb.empty());
  cri::PodSandboxStatusRequest status;
  status.set_pod_sandbox_id(sb);
  auto st = cri_->PodSandboxStatus(status);
  ASSERT_TRUE(st) << st.error().message();
  std::string ip = st->status().network().ip();
  ASSERT_TRUE(ip.starts_with("10.89.")) << ip;
  // A web server on the node's side of the pod network (the bridge's gateway address).
  std::string gateway = ip.substr(0, ip.rfind('.')) + ".1";
  fs::create_directories(dir_.File("node-web"));
  dir_.Write("node-web/from-node.txt", "hello-from-node\n");
  int port = harness::FreePort();
  harness::Process web({"/usr/bin/python3", "-m", "http.server", "--bind", gateway,
                        std::to_string(port), "--directory", dir_.File("node-web")});
  for (int i = 0; i < 100; ++i) {
    if (harness::Run({"/usr/bin/curl", "-sf", "--max-time", "1",
                      "http://" + gateway + ":" + std::to_string(port) + "/from-node.txt"})
            .exit_code == 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string app = RunContainer(
      sb, config, image, "web",
      "/bin/busybox mkdir -p /w && echo hello-from-pod > /w/index.html && "
      "/bin/busybox wget -q -O - http://" + gateway + ":" + std::to_string(port) +
          "/from-node.txt && echo web-up && exec /bin/busybox httpd -f -p 8080 -h /w");
  ASSERT_FALSE(app.empty());
  EXPECT_TRUE(LogHas(config, "web", " stdout F hello-from-node")) << ContainerdLog();
  ASSERT_TRUE(LogHas(config, "web", " stdout F web-up"));
  std::string answer;
  for (int i = 0; i < 50 && answer.empty(); ++i) {
    answer = harness::Run({"/usr/bin/curl", "-s", "--max-time", "2", "http://" + ip + ":8080/"}).out;
    if (answer.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(answer, "hello-from-pod\n") << "the container's server, reached at the pod IP " << ip;
  RemovePod(sb);
}

}  // namespace
}  // namespace cocoon
