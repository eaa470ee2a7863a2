// TaskService (see task_service.h).
#include "shim/task_service.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <set>

#include "agent.pb.h"
#include "base/json.h"
#include "base/logging.h"
#include "containerd/events.pb.h"
#include "containerd/runtimeoptions.pb.h"
#include "runtime/agent_client.h"
#include "shim/timestamps.h"

namespace cocoon::shim {

namespace v1 = ::containerd::v1::types;
namespace ev = ::containerd::events;
using std::chrono::milliseconds;

struct TaskService::Proc {
  std::string exec_id;  // "" for the task's init process
  std::string stdin_path, stdout_path, stderr_path;
  bool terminal = false;
  ::grpc::Process exec_process;  // what an exec runs (args, env, cwd)
  v1::Status status = v1::CREATED;
  uint32_t exit_status = 0;
  google::protobuf::Timestamp exited_at = ZeroGoTime();
};

struct TaskService::Task {
  std::string id;
  std::string bundle;
  BundleSpec spec;
  std::shared_ptr<Proc> init;
  std::map<std::string, std::shared_ptr<Proc>> execs;
  bool in_agent = false;  // the guest has created this container
  int kill_signal = 0;    // the signal a sandbox was killed with
};

namespace {

// The OCI process of an exec (ExecProcessRequest.spec: type_url
// "types.containerd.io/opencontainers/runtime-spec/1/Process", a JSON value).
Result<::grpc::Process> ExecProcessFromSpec(const google::protobuf::Any& spec) {
  if (spec.value().size() > 1024 * 1024) return InvalidArgument("exec spec larger than 1 MiB");
  ASSIGN_OR_RETURN(Json j, base::ParseJson(spec.value()));
  if (!j.is_object()) return InvalidArgument("exec spec is not a JSON object");
  ::grpc::Process p;
  auto strings = [&](const char* key, auto* out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return Ok();
    if (!it->is_array())
      return InvalidArgument(std::string("exec spec: ") + key + " is not an array");
    for (const auto& v : *it) {
      if (!v.is_string()) {
        return InvalidArgument(std::string("exec spec: ") + key + " holds a non-string");
      }
      out->Add(v.get<std::string>());
    }
    return Ok();
  };
  TRY(strings("args", p.mutable_args()));
  TRY(strings("env", p.mutable_env()));
  ASSIGN_OR_RETURN(std::string cwd, base::GetStringOr(j, "cwd", ""));
  p.set_cwd(cwd);
  if (auto t = j.find("terminal"); t != j.end() && t->is_boolean() && t->get<bool>()) {
    p.set_terminal(true);
  }
  if (p.args().empty()) return InvalidArgument("exec spec has no args");
  return p;
}

int OpenFifo(const std::string& path, int flags) {
  if (path.empty()) return -1;
  return ::open(path.c_str(), flags | O_CLOEXEC);
}

// The shim's end of an output FIFO: read-write, so the open never waits for a reader (`ctr run
// --detach` may be gone before the task starts) and a reader that leaves does not break the pipe;
// non-blocking, so a FIFO nobody drains cannot hold the shim (WriteAll gives up on `stop`).
int OpenOutputFifo(const std::string& path) { return OpenFifo(path, O_RDWR | O_NONBLOCK); }

void WriteAll(int fd, std::string_view data, const std::atomic<bool>& stop) {
  while (fd >= 0 && !data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      // Full: wait for the reader, unless the pod is being stopped.
      if (stop) return;
      pollfd pfd{.fd = fd, .events = POLLOUT, .revents = 0};
      (void)::poll(&pfd, 1, 200);
      continue;
    }
    if (n <= 0) return;  // the FIFO is unusable: drop the rest, keep draining the guest
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string_view KindName(TaskKind k) {
  switch (k) {
    case TaskKind::kSandbox:
      return "sandbox";
    case TaskKind::kPodContainer:
      return "container";
    case TaskKind::kSingle:
      return "single container";
  }
  return "?";
}

}  // namespace

TaskService::TaskService(Options options) : o_(std::move(options)) {}

TaskService::~TaskService() {
  {
    std::lock_guard lock(stopper_mu_);
    if (stopper_.joinable()) stopper_.join();
  }
  StopVm();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return io_threads_ == 0; });
}

uint32_t TaskService::vm_pid() const {
  std::lock_guard lock(mu_);
  return vm_pid_;
}

Result<std::shared_ptr<TaskService::Task>> TaskService::FindTask(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return NotFound("task " + id + " not found");
  return it->second;
}

Result<std::shared_ptr<TaskService::Proc>> TaskService::FindProc(const std::string& id,
                                                                 const std::string& exec_id) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return NotFound("task " + id + " not found");
  if (exec_id.empty()) return it->second->init;
  auto e = it->second->execs.find(exec_id);
  if (e == it->second->execs.end()) {
    return NotFound("process " + exec_id + " of task " + id + " not found");
  }
  return e->second;
}

Result<std::unique_ptr<runtime::PodVm>> TaskService::BootOnPodThread(const BundleSpec& spec) {
  // QEMU is killed when the thread that started it exits (PR_SET_PDEATHSIG), so the VM is
  // started on a thread that lives until StopVm.
  std::promise<Result<std::unique_ptr<runtime::PodVm>>> booted;
  auto result = booted.get_future();
  pod_thread_ = std::thread([this, &spec, &booted] {
    auto pod = o_.boot(spec, o_.config);
    bool ok = pod.has_value();
    booted.set_value(std::move(pod));
    if (!ok) return;
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return pod_thread_stop_; });
  });
  auto pod = result.get();
  if (!pod) pod_thread_.join();
  return pod;
}

void TaskService::StopVm() {
  std::lock_guard stop_lock(stop_mu_);
  io_stop_ = true;  // output nobody reads is dropped from now on
  std::shared_ptr<runtime::PodVm> pod;
  bool vm_alive;
  {
    std::lock_guard lock(mu_);
    pod = std::move(pod_);
    vm_alive = !vm_gone_;
  }
  if (pod) {
    if (vm_alive) (void)pod->agent().DestroySandbox();
    (void)pod->Shutdown(milliseconds(2000));
    // The stdio pumps use the agent: with the VM gone their calls fail and they end.
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return io_threads_ == 0; });
  }
  {
    std::lock_guard lock(mu_);
    pod_thread_stop_ = true;
    vm_gone_ = true;
  }
  cv_.notify_all();
  if (pod_thread_.joinable() && pod_thread_.get_id() != std::this_thread::get_id()) {
    pod_thread_.join();
  }
  if (vm_watcher_.joinable() && vm_watcher_.get_id() != std::this_thread::get_id()) {
    vm_watcher_.join();
  }
  pod.reset();
}

void TaskService::WatchVm(runtime::PodVm* pod) {
  // `pod` outlives this thread: StopVm joins it before destroying the VM.
  int status = 255;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (pod_thread_stop_) break;
    }
    auto st = pod->WaitVm(milliseconds(500));
    if (st) {
      status = *st;
      LOG_WARN("the pod VM exited (status {})", status);
      break;
    }
  }
  // Every process still running ends with the VM.
  std::vector<std::pair<std::shared_ptr<Task>, std::shared_ptr<Proc>>> running;
  {
    std::lock_guard lock(mu_);
    vm_gone_ = true;
    for (auto& [id, t] : tasks_) {
      if (t->init->status != v1::STOPPED) running.emplace_back(t, t->init);
      for (auto& [eid, p] : t->execs) {
        if (p->status != v1::STOPPED) running.emplace_back(t, p);
      }
    }
  }
  for (auto& [t, p] : running) {
    int code = 255;
    if (t->spec.kind == TaskKind::kSandbox) code = t->kill_signal ? 128 + t->kill_signal : status;
    MarkExited(t, p, code);
  }
}

void TaskService::MarkExited(const std::shared_ptr<Task>& t, const std::shared_ptr<Proc>& p,
                             int status) {
  ev::TaskExit exit;
  {
    std::lock_guard lock(mu_);
    if (p->status == v1::STOPPED) return;
    p->status = v1::STOPPED;
    p->exit_status = static_cast<uint32_t>(status);
    p->exited_at = NowTimestamp();
    exit.set_container_id(t->id);
    exit.set_id(p->exec_id.empty() ? t->id : p->exec_id);
    exit.set_pid(vm_pid_);
    exit.set_exit_status(p->exit_status);
    *exit.mutable_exited_at() = p->exited_at;
  }
  cv_.notify_all();
  if (o_.events) o_.events->Publish("/tasks/exit", exit);
}

void TaskService::StartIo(const std::shared_ptr<Task>& t, const std::shared_ptr<Proc>& p) {
  std::shared_ptr<runtime::PodVm> pod;
  {
    std::lock_guard lock(mu_);
    pod = pod_;
    ++io_threads_;
  }
  std::thread([this, t, p, pod] {
    runtime::AgentClient* agent = &pod->agent();
    const std::string& cid = t->id;
    const std::string& eid = p->exec_id;
    int out = OpenOutputFifo(p->stdout_path);
    int err = OpenOutputFifo(p->stderr_path);
    // stdin: containerd's FIFO to the guest until EOF or the process ends (polled, so this
    // thread never outlives the agent it writes to).
    std::atomic<bool> done{false};
    std::thread in_thread;
    if (!p->stdin_path.empty()) {
      in_thread = std::thread([agent, cid, eid, &done, path = p->stdin_path] {
        int in = OpenFifo(path, O_RDONLY | O_NONBLOCK);
        char buf[32768];
        while (in >= 0 && !done) {
          pollfd pfd{.fd = in, .events = POLLIN, .revents = 0};
          int ready = ::poll(&pfd, 1, 200);
          if (ready < 0 && errno != EINTR) break;
          if (ready <= 0) continue;
          ssize_t n = ::read(in, buf, sizeof buf);
          if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
          if (n <= 0) break;
          if (!agent->WriteStdin(cid, eid, std::string_view(buf, static_cast<size_t>(n)))) break;
        }
        if (in >= 0) ::close(in);
        if (!done) (void)agent->CloseStdin(cid, eid);
      });
    }
    std::mutex pumps_mu;
    std::condition_variable pumps_cv;
    int pumps_left = 2;
    auto pump = [&](bool is_err) {
      int fd = is_err ? err : out;
      while (true) {
        auto chunk = is_err ? agent->ReadStderr(cid, eid) : agent->ReadStdout(cid, eid);
        if (!chunk || chunk->empty()) break;
        WriteAll(fd, *chunk, io_stop_);
      }
      std::lock_guard lock(pumps_mu);
      --pumps_left;
      pumps_cv.notify_all();
    };
    std::thread err_thread(pump, true);
    std::thread out_thread(pump, false);
    // The exit does not wait on the output: a process that left a child holding its stdout, or
    // a FIFO nobody reads, must not hide it. The output the process wrote before it exited gets
    // two seconds to reach the FIFOs first, so that readers (CRI's log) see all of it.
    auto code = agent->WaitProcess(cid, eid);
    if (!code) LOG_WARN("waiting for {} {}: {}", cid, eid, code.error().message());
    bool drained;
    {
      std::unique_lock lock(pumps_mu);
      drained = pumps_cv.wait_for(lock, std::chrono::seconds(2), [&] { return pumps_left == 0; });
    }
    auto close_output = [&] {
      out_thread.join();
      err_thread.join();
      // EOF on the FIFOs tells containerd (and CRI's log writer) the output is complete.
      if (out >= 0) ::close(out);
      if (err >= 0) ::close(err);
    };
    if (drained) close_output();
    done = true;
    if (in_thread.joinable()) in_thread.join();
    MarkExited(t, p, code ? *code : 255);
    LOG_INFO("{}{}{}: exited with {}{}", cid, eid.empty() ? "" : " exec ", eid, code ? *code : 255,
             drained ? "" : " (its output is still open)");
    if (!drained) close_output();
    {
      std::lock_guard lock(mu_);
      --io_threads_;
    }
    cv_.notify_all();
  }).detach();
}

Result<task::CreateTaskResponse> TaskService::Create(const task::CreateTaskRequest& r) {
  if (r.id().empty()) return InvalidArgument("Create: empty task id");
  if (!r.checkpoint().empty()) return Unimplemented("Create from a checkpoint");
  if (r.terminal()) {
    return Unimplemented("task " + r.id() + ": a terminal (tty) is not supported by cocoon yet");
  }
  ASSIGN_OR_RETURN(BundleSpec spec, ReadBundleSpec(r.bundle(), r.id()));
  {
    std::lock_guard lock(mu_);
    if (tasks_.count(r.id()) || creating_.count(r.id())) {
      return FailedPrecondition("task " + r.id() + " already exists");
    }
    if (spec.kind == TaskKind::kPodContainer) {
      auto sb = tasks_.find(spec.group);
      if (sb == tasks_.end() || sb->second->spec.kind != TaskKind::kSandbox) {
        return FailedPrecondition("container " + r.id() + ": its sandbox " + spec.group +
                                  " is not running in this shim");
      }
      if (!pod_ || vm_gone_) return FailedPrecondition("the pod VM of " + spec.group + " is gone");
    } else if (pod_ || !tasks_.empty() || !creating_.empty()) {
      return FailedPrecondition("this shim already runs a pod; a " +
                                std::string(KindName(spec.kind)) + " needs its own");
    }
    creating_.insert(r.id());
  }
  auto release = [&] {
    std::lock_guard lock(mu_);
    creating_.erase(r.id());
  };

  if (spec.kind != TaskKind::kPodContainer) {
    // The runtime options containerd passes (CRI: the runtime's `options.ConfigPath`).
    if (r.has_options() && r.options().type_url() == "runtimeoptions.v1.Options") {
      runtimeoptions::v1::Options opts;
      if (!opts.ParseFromString(r.options().value())) {
        release();
        return InvalidArgument("malformed runtimeoptions.v1.Options");
      }
      if (!opts.config_path().empty()) {
        auto config = LoadShimConfig(opts.config_path());
        if (!config) {
          release();
          return std::unexpected(config.error());
        }
        o_.config = *config;
      }
    }
    auto pod = BootOnPodThread(spec);
    if (!pod) {
      release();
      return std::unexpected(pod.error());
    }
    {
      std::lock_guard lock(mu_);
      pod_ = std::move(*pod);
      vm_pid_ = static_cast<uint32_t>(pod_->pid());
      vm_gone_ = false;
    }
    runtime::PodVm* watched;
    {
      std::lock_guard lock(mu_);
      watched = pod_.get();
    }
    vm_watcher_ = std::thread([this, watched] { WatchVm(watched); });
  }

  auto t = std::make_shared<Task>();
  t->id = r.id();
  t->bundle = r.bundle();
  t->spec = spec;
  t->init = std::make_shared<Proc>();
  t->init->stdin_path = r.stdin();
  t->init->stdout_path = r.stdout();
  t->init->stderr_path = r.stderr();

  if (spec.kind != TaskKind::kSandbox) {
    // The guest pulls the image: attestation, keys, signature policy, decryption, unpacking.
    auto req = runtime::AgentClient::GuestPullRequest(r.id(), spec.image, spec.args);
    auto* proc = req.mutable_oci()->mutable_process();
    for (const auto& e : spec.env) proc->add_env(e);
    proc->set_cwd(spec.cwd);
    if (!spec.hostname.empty()) req.mutable_oci()->set_hostname(spec.hostname);
    std::shared_ptr<runtime::PodVm> pod;
    {
      std::lock_guard lock(mu_);
      pod = pod_;
    }
    auto st = pod->agent().CreateContainer(req);
    if (!st) {
      Error e = pod->Describe(st.error(), "CreateContainer " + r.id() + " (" + spec.image + ")");
      release();
      if (spec.kind == TaskKind::kSingle) StopVm();
      return std::unexpected(e);
    }
    t->in_agent = true;
  }

  ev::TaskCreate created;
  uint32_t pid;
  {
    std::lock_guard lock(mu_);
    creating_.erase(r.id());
    tasks_[r.id()] = t;
    pid = vm_pid_;
  }
  created.set_container_id(r.id());
  created.set_bundle(r.bundle());
  for (const auto& m : r.rootfs()) *created.add_rootfs() = m;
  created.mutable_io()->set_stdin(r.stdin());
  created.mutable_io()->set_stdout(r.stdout());
  created.mutable_io()->set_stderr(r.stderr());
  created.set_pid(pid);
  if (o_.events) o_.events->Publish("/tasks/create", created);
  LOG_INFO("created {} {}{}", KindName(spec.kind), r.id(),
           spec.image.empty() ? "" : " from " + spec.image + " (pulled in the guest)");
  task::CreateTaskResponse out;
  out.set_pid(pid);
  return out;
}

Result<task::StartResponse> TaskService::Start(const task::StartRequest& r) {
  ASSIGN_OR_RETURN(auto t, FindTask(r.id()));
  ASSIGN_OR_RETURN(auto p, FindProc(r.id(), r.exec_id()));
  uint32_t pid;
  std::shared_ptr<runtime::PodVm> pod_ref;  // keeps the agent connection alive for this call
  runtime::AgentClient* agent;
  {
    std::lock_guard lock(mu_);
    if (p->status != v1::CREATED) {
      return FailedPrecondition("process " + (r.exec_id().empty() ? r.id() : r.exec_id()) +
                                " was already started");
    }
    if (!pod_ || vm_gone_) return FailedPrecondition("the pod VM is gone");
    pid = vm_pid_;
    pod_ref = pod_;
    agent = &pod_ref->agent();
  }
  if (r.exec_id().empty()) {
    if (t->spec.kind != TaskKind::kSandbox) TRY(agent->StartContainer(r.id()));
  } else {
    ::grpc::ExecProcessRequest req;
    req.set_container_id(r.id());
    req.set_exec_id(r.exec_id());
    *req.mutable_process() = p->exec_process;
    TRY(agent->ExecProcess(req));
  }
  {
    std::lock_guard lock(mu_);
    p->status = v1::RUNNING;
  }
  if (t->spec.kind != TaskKind::kSandbox || !r.exec_id().empty()) StartIo(t, p);
  if (o_.events) {
    if (r.exec_id().empty()) {
      ev::TaskStart e;
      e.set_container_id(r.id());
      e.set_pid(pid);
      o_.events->Publish("/tasks/start", e);
    } else {
      ev::TaskExecStarted e;
      e.set_container_id(r.id());
      e.set_exec_id(r.exec_id());
      e.set_pid(pid);
      o_.events->Publish("/tasks/exec-started", e);
    }
  }
  task::StartResponse out;
  out.set_pid(pid);
  return out;
}

Result<google::protobuf::Empty> TaskService::Exec(const task::ExecProcessRequest& r) {
  if (r.exec_id().empty()) return InvalidArgument("Exec: empty exec id");
  if (r.terminal())
    return Unimplemented("exec " + r.exec_id() + ": a terminal is not supported yet");
  ASSIGN_OR_RETURN(auto t, FindTask(r.id()));
  if (t->spec.kind == TaskKind::kSandbox) {
    return FailedPrecondition("the sandbox " + r.id() + " has no processes to exec in");
  }
  ASSIGN_OR_RETURN(::grpc::Process process, ExecProcessFromSpec(r.spec()));
  auto p = std::make_shared<Proc>();
  p->exec_id = r.exec_id();
  p->stdin_path = r.stdin();
  p->stdout_path = r.stdout();
  p->stderr_path = r.stderr();
  p->exec_process = std::move(process);
  {
    std::lock_guard lock(mu_);
    if (t->execs.count(r.exec_id())) {
      return FailedPrecondition("exec " + r.exec_id() + " already exists in " + r.id());
    }
    t->execs[r.exec_id()] = p;
  }
  if (o_.events) {
    ev::TaskExecAdded e;
    e.set_container_id(r.id());
    e.set_exec_id(r.exec_id());
    o_.events->Publish("/tasks/exec-added", e);
  }
  return google::protobuf::Empty();
}

Result<task::WaitResponse> TaskService::Wait(const task::WaitRequest& r) {
  ASSIGN_OR_RETURN(auto p, FindProc(r.id(), r.exec_id()));
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return p->status == v1::STOPPED; });
  task::WaitResponse out;
  out.set_exit_status(p->exit_status);
  *out.mutable_exited_at() = p->exited_at;
  return out;
}

Result<task::StateResponse> TaskService::State(const task::StateRequest& r) {
  ASSIGN_OR_RETURN(auto t, FindTask(r.id()));
  ASSIGN_OR_RETURN(auto p, FindProc(r.id(), r.exec_id()));
  std::lock_guard lock(mu_);
  task::StateResponse out;
  out.set_id(r.id());
  out.set_bundle(t->bundle);
  out.set_pid(vm_pid_);
  out.set_status(p->status);
  out.set_stdin(p->stdin_path);
  out.set_stdout(p->stdout_path);
  out.set_stderr(p->stderr_path);
  out.set_terminal(p->terminal);
  out.set_exit_status(p->exit_status);
  *out.mutable_exited_at() = p->exited_at;
  out.set_exec_id(r.exec_id());
  return out;
}

Result<google::protobuf::Empty> TaskService::Kill(const task::KillRequest& r) {
  if (r.signal() < 1 || r.signal() > 64) {
    return InvalidArgument("signal " + std::to_string(r.signal()) + " out of range");
  }
  ASSIGN_OR_RETURN(auto t, FindTask(r.id()));
  ASSIGN_OR_RETURN(auto p, FindProc(r.id(), r.exec_id()));
  std::shared_ptr<runtime::PodVm> pod_ref;  // keeps the agent connection alive for this call
  runtime::AgentClient* agent = nullptr;
  {
    std::lock_guard lock(mu_);
    if (p->status == v1::STOPPED) return NotFound("process already finished");
    if (pod_ && !vm_gone_) {
      pod_ref = pod_;
      agent = &pod_ref->agent();
    }
    if (t->spec.kind == TaskKind::kSandbox && r.exec_id().empty()) {
      t->kill_signal = static_cast<int>(r.signal());
    }
  }
  if (t->spec.kind == TaskKind::kSandbox && r.exec_id().empty()) {
    // The sandbox's process is the VM: stopping it ends every container of the pod. The answer
    // does not wait for the teardown; the exit is reported when the VM is gone.
    std::lock_guard lock(stopper_mu_);
    if (!stopper_.joinable()) stopper_ = std::thread([this] { StopVm(); });
    return google::protobuf::Empty();
  }
  bool started;
  {
    std::lock_guard lock(mu_);
    started = p->status == v1::RUNNING;
  }
  if (!started || agent == nullptr) {
    MarkExited(t, p, 128 + static_cast<int>(r.signal()));
    return google::protobuf::Empty();
  }
  LOG_INFO("{}{}{}: signal {}", r.id(), r.exec_id().empty() ? "" : " exec ", r.exec_id(),
           r.signal());
  auto st = agent->SignalProcess(r.id(), r.exec_id(), static_cast<int>(r.signal()));
  if (!st) {
    std::lock_guard lock(mu_);
    if (p->status == v1::STOPPED) return NotFound("process already finished");
    return std::unexpected(st.error());
  }
  return google::protobuf::Empty();
}

Result<task::DeleteResponse> TaskService::Delete(const task::DeleteRequest& r) {
  ASSIGN_OR_RETURN(auto t, FindTask(r.id()));
  ASSIGN_OR_RETURN(auto p, FindProc(r.id(), r.exec_id()));
  task::DeleteResponse out;
  bool stop_vm = false;
  std::shared_ptr<runtime::PodVm> pod_ref;  // keeps the agent connection alive for this call
  runtime::AgentClient* agent = nullptr;
  {
    std::lock_guard lock(mu_);
    if (p->status == v1::RUNNING) {
      return FailedPrecondition("process " + (r.exec_id().empty() ? r.id() : r.exec_id()) +
                                " is running; kill it first");
    }
    out.set_pid(vm_pid_);
    out.set_exit_status(p->exit_status);
    *out.mutable_exited_at() = p->exited_at;
    if (!r.exec_id().empty()) {
      t->execs.erase(r.exec_id());
      return out;
    }
    if (t->in_agent && pod_ && !vm_gone_) {
      pod_ref = pod_;
      agent = &pod_ref->agent();
    }
    stop_vm = t->spec.kind != TaskKind::kPodContainer;
  }
  if (agent && !stop_vm) {
    if (auto st = agent->RemoveContainer(r.id()); !st) {
      LOG_WARN("removing container {} in the guest: {}", r.id(), st.error().message());
    }
  }
  if (stop_vm) StopVm();
  {
    std::lock_guard lock(mu_);
    tasks_.erase(r.id());
  }
  if (o_.events) {
    ev::TaskDelete e;
    e.set_container_id(r.id());
    e.set_pid(out.pid());
    e.set_exit_status(out.exit_status());
    *e.mutable_exited_at() = out.exited_at();
    e.set_id(r.id());
    o_.events->Publish("/tasks/delete", e);
  }
  return out;
}

Result<google::protobuf::Empty> TaskService::CloseIO(const task::CloseIORequest& r) {
  ASSIGN_OR_RETURN(auto p, FindProc(r.id(), r.exec_id()));
  (void)p;
  if (!r.stdin()) return google::protobuf::Empty();
  std::shared_ptr<runtime::PodVm> pod_ref;  // keeps the agent connection alive for this call
  runtime::AgentClient* agent = nullptr;
  {
    std::lock_guard lock(mu_);
    if (pod_ && !vm_gone_) {
      pod_ref = pod_;
      agent = &pod_ref->agent();
    }
  }
  if (agent) TRY(agent->CloseStdin(r.id(), r.exec_id()));
  return google::protobuf::Empty();
}

Result<google::protobuf::Empty> TaskService::ResizePty(const task::ResizePtyRequest& r) {
  // No task of this shim has a terminal (Create and Exec refuse one): nothing to resize.
  ASSIGN_OR_RETURN(auto p, FindProc(r.id(), r.exec_id()));
  (void)p;
  return google::protobuf::Empty();
}

Result<google::protobuf::Empty> TaskService::Update(const task::UpdateTaskRequest& r) {
  ASSIGN_OR_RETURN(auto t, FindTask(r.id()));
  (void)t;
  // The pod VM's size is fixed at boot; container resource limits apply inside it.
  LOG_INFO("Update of {}: resources are not changed in a running pod VM", r.id());
  return google::protobuf::Empty();
}

Result<task::PidsResponse> TaskService::Pids(const task::PidsRequest& r) {
  ASSIGN_OR_RETURN(auto t, FindTask(r.id()));
  (void)t;
  task::PidsResponse out;
  std::lock_guard lock(mu_);
  if (pod_) out.add_processes()->set_pid(vm_pid_);
  return out;
}

Result<task::StatsResponse> TaskService::Stats(const task::StatsRequest& r) {
  ASSIGN_OR_RETURN(auto t, FindTask(r.id()));
  (void)t;
  // containerd skips NotFound silently; a pod VM has no per-container cgroup on the host.
  return NotFound("no host cgroup stats for a container in a pod VM");
}

Result<task::ConnectResponse> TaskService::Connect(const task::ConnectRequest& r) {
  ASSIGN_OR_RETURN(auto t, FindTask(r.id()));
  (void)t;
  task::ConnectResponse out;
  out.set_shim_pid(static_cast<uint32_t>(::getpid()));
  std::lock_guard lock(mu_);
  out.set_task_pid(vm_pid_);
  out.set_version("cocoon");
  return out;
}

Result<google::protobuf::Empty> TaskService::Shutdown(const task::ShutdownRequest& r) {
  {
    std::lock_guard lock(mu_);
    // containerd sends Shutdown after every task's Delete; the daemon stays while the pod has
    // tasks.
    if ((!tasks_.empty() || !creating_.empty()) && !r.now()) return google::protobuf::Empty();
    if (shutting_down_) return google::protobuf::Empty();
    shutting_down_ = true;
  }
  if (o_.on_shutdown) {
    // After this call's response is on the wire.
    std::thread([f = o_.on_shutdown] {
      std::this_thread::sleep_for(milliseconds(50));
      f();
    }).detach();
  }
  return google::protobuf::Empty();
}

void TaskService::RegisterWith(net::ttrpc::Server& server) {
  auto add = [this, &server]<typename Req, typename Resp>(
                 const char* method, Result<Resp> (TaskService::*fn)(const Req&)) {
    server.RegisterTyped<Req, Resp>(
        std::string(kTaskServiceName), method, [this, fn, method](const Req& r) {
          LOG_DEBUG("{} {}", method, r.ShortDebugString());
          auto out = (this->*fn)(r);
          if (!out) LOG_DEBUG("{} failed: {}", method, out.error().message());
          return out;
        });
  };
  add("Create", &TaskService::Create);
  add("Start", &TaskService::Start);
  add("Delete", &TaskService::Delete);
  add("State", &TaskService::State);
  add("Wait", &TaskService::Wait);
  add("Kill", &TaskService::Kill);
  add("Exec", &TaskService::Exec);
  add("CloseIO", &TaskService::CloseIO);
  add("ResizePty", &TaskService::ResizePty);
  add("Update", &TaskService::Update);
  add("Pids", &TaskService::Pids);
  add("Stats", &TaskService::Stats);
  add("Connect", &TaskService::Connect);
  add("Shutdown", &TaskService::Shutdown);
  // Pause, Resume and Checkpoint are not registered: the ttrpc server answers UNIMPLEMENTED.
}

}  // namespace cocoon::shim
