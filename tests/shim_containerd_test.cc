// containerd 1.6 drives containerd-shim-cocoon-v2 (labels e2e, vm): a private containerd (its own
// config, root, state and socket, started and stopped by pid) runs tasks through `ctr` with the
// runtime io.containerd.cocoon.v2. Each task gets a pod VM whose guest attests to a real
// cocoon-kbs, receives the image key, pulls, verifies and decrypts the image from a real
// docker-registry, and runs it; output comes back through containerd's FIFOs, exit codes and
// exec work, a refused key fails the task with its cause, and no QEMU, socket or shim is left.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "containerd/shim.pb.h"
#include "net/ttrpc_client.h"
#include "tests/harness.h"
#include "tests/pod_fixture.h"

namespace cocoon {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

// A short per-test TMPDIR for the pod VMs' run directories (QEMU's argv names them).
std::string VmTmp() {
  static int n = 0;
  std::string d = "/tmp/cvm-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
  fs::create_directories(d);
  return d;
}

// A containerd of its own, without the CRI plugin (ctr drives it).
class Containerd {
 public:
  Containerd(const harness::TempDir& dir, const std::string& vm_tmp) {
    address_ = dir.File("ctd/containerd.sock");
    fs::create_directories(dir.File("ctd"));
    dir.Write("ctd/config.toml",
              "version = 2\nroot = \"" + dir.File("ctd/root") + "\"\nstate = \"" +
                  dir.File("ctd/state") +
                  "\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                  "[grpc]\n  address = \"" +
                  address_ + "\"\n[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" +
                  dir.File("ctd/opt") + "\"\n");
    // The shims it starts inherit TMPDIR, so their pod VMs' run directories are under vm_tmp.
    process_ = std::make_unique<harness::Process>(
        std::vector<std::string>{"/usr/bin/env", "TMPDIR=" + vm_tmp, "/usr/bin/containerd",
                                 "--config", dir.File("ctd/config.toml")});
    for (int i = 0; i < 200; ++i) {
      if (Ctr({"version"}).exit_code == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "containerd did not start: " << harness::ReadFile(process_->stderr_path());
  }
  ~Containerd() { process_->Terminate(); }

  harness::CommandResult Ctr(std::vector<std::string> args) const {
    args.insert(args.begin(), {"/usr/bin/ctr", "--address", address_});
    return harness::Run(args);
  }
  std::string log() const { return harness::ReadFile(process_->stderr_path()); }
  const std::string& address() const { return address_; }

 private:
  std::string address_;
  std::unique_ptr<harness::Process> process_;
};

class ShimE2e : public PodFixture {
 protected:
  void SetUp() override {
    PodFixture::SetUp();
    if (HasFatalFailure()) return;
    Push("v1");
    if (HasFatalFailure()) return;
    vm_tmp_ = VmTmp();
    containerd_ = std::make_unique<Containerd>(dir_, vm_tmp_);
    dir_.Write("shim.toml", "[vm]\nmemory_mib = 1024\n");
    // The initdata a Kubernetes user would put in the pod annotation, made by `cocoon initdata`.
    auto init = Cocoon({"initdata", "--annotation", "--kbs", kbs_url_, "--policy",
                        dir_.File("policy.json"), repo_ + ":v1"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    annotation_ = init.out.substr(0, init.out.find('\n'));
  }

  void TearDown() override {
    std::string shims = "-address " + (containerd_ ? containerd_->address() : std::string("?"));
    if (containerd_ && std::getenv("COCOON_TEST_SHOW_LOG")) std::cerr << containerd_->log();
    containerd_.reset();
    // Nothing of the pods outlives them: no QEMU, no shim daemon.
    for (int i = 0; i < 50 && QemusUnder(vm_tmp_) != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(QemusUnder(vm_tmp_), 0u) << "a pod VM outlived its task";
    // A shim whose containerd went away gives its last events two seconds, then exits.
    for (int i = 0; i < 100 && !ProcessesWith(shims).empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto left = ProcessesWith(shims);
    EXPECT_TRUE(left.empty()) << "a shim outlived its pod";
    // A failed test leaves nothing running for the next one (the QEMUs die with their shim).
    for (pid_t p : left) ::kill(p, SIGKILL);
    std::error_code ec;
    fs::remove_all(vm_tmp_, ec);
  }

  // `ctr run` arguments for a single-task pod VM running `cmd` from repo_:<tag>.
  std::vector<std::string> RunArgs(const std::string& id, const std::string& tag,
                                   std::vector<std::string> cmd, bool detach = false) {
    fs::create_directories(dir_.File("rootfs"));
    std::vector<std::string> a = {"run",
                                  detach ? "--detach" : "--rm",
                                  "--runtime",
                                  harness::BinaryPath("containerd-shim-cocoon-v2"),
                                  "--runtime-config-path",
                                  dir_.File("shim.toml"),
                                  "--rootfs",
                                  "--annotation",
                                  "io.cocoon.image=" + repo_ + ":" + tag,
                                  "--annotation",
                                  "io.katacontainers.config.hypervisor.cc_init_data=" + annotation_,
                                  dir_.File("rootfs"),
                                  id};
    a.insert(a.end(), cmd.begin(), cmd.end());
    return a;
  }

  std::unique_ptr<Containerd> containerd_;
  std::string annotation_;
  std::string vm_tmp_;
};

TEST_F(ShimE2e, CtrRunPullsInTheGuestAndPassesOutputAndExitCode) {
  auto r = containerd_->Ctr(RunArgs(
      "t1", "v1", {"/bin/sh", "-c", "echo out-from-guest; echo err-from-guest >&2; exit 3"}));
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err << containerd_->log();
  EXPECT_NE(r.out.find("out-from-guest"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("err-from-guest"), std::string::npos) << r.err;
  // The guest did the confidential steps (the shim logs them into containerd's log).
  std::string log = containerd_->log();
  EXPECT_NE(log.find("key released: kbs:///default/image-key/app"), std::string::npos) << log;
  EXPECT_NE(log.find("signature policy satisfied"), std::string::npos) << log;
}

TEST_F(ShimE2e, CtrRunOfAPlainUnsignedImage) {
  auto copy = harness::Run({"/usr/bin/skopeo", "copy", "--insecure-policy",
                            "--dest-tls-verify=false", layout_, "docker://" + repo_ + ":plain"});
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  auto init = Cocoon(
      {"initdata", "--annotation", "--kbs", kbs_url_, "--insecure-policy", repo_ + ":plain"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  annotation_ = init.out.substr(0, init.out.find('\n'));
  auto r = containerd_->Ctr(RunArgs("p1", "plain", {"/bin/sh", "/hello.sh"}));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << containerd_->log();
  EXPECT_NE(r.out.find(image::kSampleGreeting), std::string::npos) << r.out;
}

TEST_F(ShimE2e, ExecAndKillInARunningTask) {
  auto run = containerd_->Ctr(RunArgs("t2", "v1", {"/bin/sh", "-c", "sleep 600"}, true));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err << containerd_->log();
  auto exec = containerd_->Ctr(
      {"task", "exec", "--exec-id", "e1", "t2", "/bin/sh", "-c", "echo from-exec; exit 4"});
  EXPECT_EQ(exec.exit_code, 4) << exec.out << exec.err;
  EXPECT_NE(exec.out.find("from-exec"), std::string::npos) << exec.out;
  auto ls = containerd_->Ctr({"task", "ls"});
  EXPECT_NE(ls.out.find("RUNNING"), std::string::npos) << ls.out;
  EXPECT_EQ(QemusUnder(vm_tmp_), 1u);
  auto t0 = std::chrono::steady_clock::now();
  auto kill = containerd_->Ctr({"task", "kill", "-s", "SIGKILL", "t2"});
  EXPECT_EQ(kill.exit_code, 0) << kill.err;
  bool stopped = false;
  for (int i = 0; i < 300 && !stopped; ++i) {
    stopped = containerd_->Ctr({"task", "ls"}).out.find("STOPPED") != std::string::npos;
    if (!stopped) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(stopped) << containerd_->log();
  std::cerr << "kill to STOPPED: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t0)
                   .count()
            << " ms\n";
  auto del = containerd_->Ctr({"task", "delete", "t2"});
  EXPECT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(containerd_->Ctr({"container", "rm", "t2"}).exit_code, 0);
}

TEST_F(ShimE2e, AWithheldKeyFailsTheTaskNamingTheCause) {
  SetResourcePolicy("package policy\ndefault allow = false\n");
  if (HasFatalFailure()) return;
  auto r = containerd_->Ctr(RunArgs("t3", "v1", {"/bin/true"}));
  EXPECT_NE(r.exit_code, 0);
  std::string all = r.out + r.err;
  EXPECT_NE(all.find("CreateContainer t3"), std::string::npos) << all;
  EXPECT_NE(all.find("kbs:///default/image-key/app"), std::string::npos) << all;
  (void)containerd_->Ctr({"container", "rm", "t3"});
}

TEST_F(ShimE2e, APodWithoutInitDataIsRefused) {
  annotation_.clear();
  std::vector<std::string> args = RunArgs("t4", "v1", {"/bin/true"});
  // Drop the initdata annotation (its value is now empty, so the flag pair goes).
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i + 1].starts_with("io.katacontainers."))
      args.erase(args.begin() + i, args.begin() + i + 2);
  }
  auto r = containerd_->Ctr(args);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("no initdata"), std::string::npos) << r.out << r.err;
  (void)containerd_->Ctr({"container", "rm", "t4"});
}

// The shim's own protocol, the way containerd's CRI plugin drives it for a pod (without
// containerd in between, so each step is asserted on): `start` for the sandbox and for a
// container of the same pod yields one address, one daemon and one pod VM; two containers and an
// exec run in that VM; Shutdown while the pod has tasks is ignored; killing the sandbox stops the
// VM; the last Shutdown ends the daemon.
class ShimTaskApi : public PodFixture {
 protected:
  void SetUp() override {
    PodFixture::SetUp();
    if (HasFatalFailure()) return;
    Push("v1");
    if (HasFatalFailure()) return;
    auto init = Cocoon({"initdata", "--annotation", "--kbs", kbs_url_, "--policy",
                        dir_.File("policy.json"), repo_ + ":v1"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    annotation_ = init.out.substr(0, init.out.find('\n'));
    vm_tmp_ = VmTmp();
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(vm_tmp_, ec);
  }

  // A bundle directory with a config.json as containerd's CRI plugin writes it.
  std::string Bundle(const std::string& id, const std::string& type,
                     const std::vector<std::string>& args) {
    std::string b = dir_.File("bundles/" + id);
    fs::create_directories(b);
    Json annotations = {{"io.kubernetes.cri.container-type", type},
                        {"io.kubernetes.cri.sandbox-id", "sb1"}};
    if (type == "sandbox") {
      annotations["io.katacontainers.config.hypervisor.cc_init_data"] = annotation_;
    } else {
      annotations["io.kubernetes.cri.image-name"] = repo_ + ":v1";
    }
    Json spec = {{"ociVersion", "1.0.2"},
                 {"process", {{"args", args}, {"env", {"PATH=/bin:/usr/bin"}}, {"cwd", "/"}}},
                 {"annotations", annotations}};
    dir_.Write("bundles/" + id + "/config.json", spec.dump());
    dir_.Write("bundles/" + id + "/log", "");
    return b;
  }

  // `containerd-shim-cocoon-v2 … start` in `bundle`, as containerd runs it.
  harness::CommandResult ShimStart(const std::string& bundle, const std::string& id) {
    // Only stdio open, as when a service manager starts containerd: the listener `start` makes
    // is then fd 3, the fd the daemon must receive it on.
    return harness::Run({"/bin/sh", "-c",
                         "for fd in 3 4 5 6 7 8 9; do eval \"exec $fd>&-\"; done; cd '" + bundle +
                             "' && TMPDIR='" + vm_tmp_ + "' exec '" +
                             harness::BinaryPath("containerd-shim-cocoon-v2") +
                             "' -namespace cocoon-test -address '" +
                             dir_.File("no-containerd.sock") + "' -publish-binary /bin/true -id " +
                             id + " start"});
  }

  template <typename Resp, typename Req>
  Result<Resp> Call(const char* method, const Req& req, seconds timeout = seconds(60)) {
    return client_->CallTyped<Resp>("containerd.task.v2.Task", method, req,
                                    std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  }

  std::string annotation_;
  std::string vm_tmp_;
  std::unique_ptr<net::ttrpc::Client> client_;
};

TEST_F(ShimTaskApi, APodsSandboxAndContainersShareOneDaemonAndOneVm) {
  namespace task = ::containerd::task::v2;
  std::string sb = Bundle("sb1", "sandbox", {"/pause"});
  std::string c1 = Bundle("c1", "container", {"/bin/sh", "-c", "echo c1-out; exit 0"});
  // c2 fills its stdout FIFO, which nobody reads (a `ctr run --detach` that has gone): neither
  // that nor its still-running output may hide its exit.
  std::string c2 = Bundle("c2", "container",
                          {"/bin/sh", "-c", "head -c 200000 /dev/zero; echo c2-up; sleep 600"});

  auto start_sb = ShimStart(sb, "sb1");
  ASSERT_EQ(start_sb.exit_code, 0) << start_sb.err;
  std::string address = start_sb.out;
  ASSERT_TRUE(address.starts_with("unix:///run/containerd/s/")) << address;
  auto start_c1 = ShimStart(c1, "c1");
  ASSERT_EQ(start_c1.exit_code, 0) << start_c1.err;
  EXPECT_EQ(start_c1.out, address) << "a pod's containers reach its sandbox's shim";
  EXPECT_EQ(harness::ReadFile(c1 + "/address"), address);
  auto client = net::ttrpc::Client::DialUnix(address.substr(7));
  ASSERT_TRUE(client) << client.error().message();
  client_ = std::move(*client);

  task::CreateTaskRequest create_sb;
  create_sb.set_id("sb1");
  create_sb.set_bundle(sb);
  auto sb_pid = Call<task::CreateTaskResponse>("Create", create_sb, seconds(300));
  ASSERT_TRUE(sb_pid) << sb_pid.error().message() << harness::ReadFile(sb + "/log");
  EXPECT_GT(sb_pid->pid(), 0u);
  task::StartRequest start;
  start.set_id("sb1");
  ASSERT_TRUE(Call<task::StartResponse>("Start", start));

  // First container: runs to completion, its output in the file containerd would read.
  task::CreateTaskRequest create_c1;
  create_c1.set_id("c1");
  create_c1.set_bundle(c1);
  create_c1.set_stdout(c1 + "/stdout");
  create_c1.set_stderr(c1 + "/stderr");
  dir_.Write("bundles/c1/stdout", "");
  dir_.Write("bundles/c1/stderr", "");
  auto c1_pid = Call<task::CreateTaskResponse>("Create", create_c1, seconds(600));
  ASSERT_TRUE(c1_pid) << c1_pid.error().message() << harness::ReadFile(sb + "/log");
  EXPECT_EQ(c1_pid->pid(), sb_pid->pid()) << "every task of a pod reports the VM's pid";
  start.set_id("c1");
  ASSERT_TRUE(Call<task::StartResponse>("Start", start));
  task::WaitRequest wait;
  wait.set_id("c1");
  auto c1_exit = Call<task::WaitResponse>("Wait", wait, seconds(120));
  ASSERT_TRUE(c1_exit) << c1_exit.error().message();
  EXPECT_EQ(c1_exit->exit_status(), 0u);
  EXPECT_EQ(harness::ReadFile(c1 + "/stdout"), "c1-out\n");
  task::StateRequest state;
  state.set_id("c1");
  auto c1_state = Call<task::StateResponse>("State", state);
  ASSERT_TRUE(c1_state);
  EXPECT_EQ(c1_state->status(), ::containerd::v1::types::STOPPED);

  // Second container in the same VM, with an exec.
  ASSERT_EQ(ShimStart(c2, "c2").out, address);
  task::CreateTaskRequest create_c2;
  create_c2.set_id("c2");
  create_c2.set_bundle(c2);
  ASSERT_EQ(::mkfifo((c2 + "/unread-stdout").c_str(), 0600), 0);
  create_c2.set_stdout(c2 + "/unread-stdout");
  auto c2_pid = Call<task::CreateTaskResponse>("Create", create_c2, seconds(600));
  ASSERT_TRUE(c2_pid) << c2_pid.error().message();
  start.set_id("c2");
  ASSERT_TRUE(Call<task::StartResponse>("Start", start));
  EXPECT_EQ(QemusUnder(vm_tmp_), 1u) << "one pod, one VM";
  task::ExecProcessRequest exec;
  exec.set_id("c2");
  exec.set_exec_id("e1");
  exec.set_stdout(c2 + "/exec-stdout");
  dir_.Write("bundles/c2/exec-stdout", "");
  exec.mutable_spec()->set_type_url("types.containerd.io/opencontainers/runtime-spec/1/Process");
  exec.mutable_spec()->set_value(R"({"args":["/bin/sh","-c","echo exec-out; exit 4"],"cwd":"/"})");
  ASSERT_TRUE(Call<google::protobuf::Empty>("Exec", exec));
  start.set_exec_id("e1");
  ASSERT_TRUE(Call<task::StartResponse>("Start", start));
  wait.set_id("c2");
  wait.set_exec_id("e1");
  auto e1_exit = Call<task::WaitResponse>("Wait", wait, seconds(120));
  ASSERT_TRUE(e1_exit) << e1_exit.error().message();
  EXPECT_EQ(e1_exit->exit_status(), 4u);
  EXPECT_EQ(harness::ReadFile(c2 + "/exec-stdout"), "exec-out\n");

  // Stop and remove the containers; the daemon stays while the sandbox does.
  task::KillRequest kill;
  kill.set_id("c2");
  kill.set_signal(SIGKILL);
  ASSERT_TRUE(Call<google::protobuf::Empty>("Kill", kill));
  wait.set_exec_id("");
  auto c2_exit = Call<task::WaitResponse>("Wait", wait, seconds(60));
  ASSERT_TRUE(c2_exit) << c2_exit.error().message();
  EXPECT_EQ(c2_exit->exit_status(), 137u);
  auto again = Call<google::protobuf::Empty>("Kill", kill);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Code::kNotFound) << "containerd expects NotFound here";
  for (const char* id : {"c1", "c2"}) {
    task::DeleteRequest del;
    del.set_id(id);
    ASSERT_TRUE(Call<task::DeleteResponse>("Delete", del)) << id;
  }
  task::ShutdownRequest shutdown;
  shutdown.set_id("c2");
  ASSERT_TRUE(Call<google::protobuf::Empty>("Shutdown", shutdown));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  task::ConnectRequest connect;
  connect.set_id("sb1");
  ASSERT_TRUE(Call<task::ConnectResponse>("Connect", connect)) << "the sandbox keeps the shim";

  // Killing the sandbox stops the VM; deleting it and the last Shutdown end the daemon.
  kill.set_id("sb1");
  ASSERT_TRUE(Call<google::protobuf::Empty>("Kill", kill));
  wait.set_id("sb1");
  auto sb_exit = Call<task::WaitResponse>("Wait", wait, seconds(60));
  ASSERT_TRUE(sb_exit) << sb_exit.error().message();
  EXPECT_EQ(sb_exit->exit_status(), 137u);
  EXPECT_EQ(QemusUnder(vm_tmp_), 0u) << "the pod VM is gone";
  task::DeleteRequest del;
  del.set_id("sb1");
  ASSERT_TRUE(Call<task::DeleteResponse>("Delete", del));
  shutdown.set_id("sb1");
  (void)Call<google::protobuf::Empty>("Shutdown", shutdown);
  client_.reset();
  for (int i = 0; i < 50 && fs::exists(address.substr(7)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(fs::exists(address.substr(7))) << "the daemon removes its socket";
  EXPECT_TRUE(ProcessesWith("-address " + dir_.File("no-containerd.sock")).empty());

  // containerd's `delete` after the connection closed: a DeleteResponse and nothing else.
  auto deleted = harness::Run({harness::BinaryPath("containerd-shim-cocoon-v2"), "-namespace",
                               "cocoon-test", "-address", dir_.File("no-containerd.sock"), "-id",
                               "sb1", "-bundle", sb, "delete"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  task::DeleteResponse response;
  ASSERT_TRUE(response.ParseFromString(deleted.out));
  EXPECT_EQ(response.exit_status(), 137u);
}

}  // namespace
}  // namespace cocoon
