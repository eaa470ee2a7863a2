// containerd's task API (containerd.task.v2.Task over ttrpc) for every task of one pod: one
// shim daemon, one pod VM. The sandbox task (CRI's pause container) is the VM itself; each
// container task is a container the guest's agent pulls (attest, keys, signature policy,
// decrypt, unpack — all in the guest) and runs; a task without CRI annotations (`ctr run`) gets
// a VM of its own. Its processes' stdio goes through the FIFOs containerd hands over, its
// events to containerd (events.h). The host never sees a key or a decrypted layer: the image
// reference is all the shim passes.
#pragma once

#include <google/protobuf/empty.pb.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "base/error.h"
#include "containerd/shim.pb.h"
#include "net/ttrpc_server.h"
#include "runtime/hypervisor.h"
#include "runtime/pod_vm.h"
#include "shim/bundle.h"
#include "shim/events.h"
#include "shim/shim_config.h"

namespace cocoon::shim {

namespace task = ::containerd::task::v2;

inline constexpr std::string_view kTaskServiceName = "containerd.task.v2.Task";

// Boots the pod VM for a sandbox or single task. The service calls it on a thread that lives
// as long as the VM (QEMU dies with the thread that started it).
using PodBooter = std::function<Result<std::unique_ptr<runtime::PodVm>>(const BundleSpec& spec,
                                                                        const ShimConfig& config)>;

class TaskService {
 public:
  struct Options {
    std::string ns;
    ShimConfig config;
    PodBooter boot;
    EventPublisher* events = nullptr;
    // Called once, off the request thread, when the last task is gone and containerd asked the
    // shim to shut down (the daemon then exits).
    std::function<void()> on_shutdown;
  };
  explicit TaskService(Options options);
  ~TaskService();  // stops the VM

  void RegisterWith(net::ttrpc::Server& server);

  Result<task::CreateTaskResponse> Create(const task::CreateTaskRequest& r);
  Result<task::StartResponse> Start(const task::StartRequest& r);
  Result<task::DeleteResponse> Delete(const task::DeleteRequest& r);
  Result<task::StateResponse> State(const task::StateRequest& r);
  Result<task::WaitResponse> Wait(const task::WaitRequest& r);
  Result<google::protobuf::Empty> Kill(const task::KillRequest& r);
  Result<google::protobuf::Empty> Exec(const task::ExecProcessRequest& r);
  Result<google::protobuf::Empty> CloseIO(const task::CloseIORequest& r);
  Result<google::protobuf::Empty> ResizePty(const task::ResizePtyRequest& r);
  Result<google::protobuf::Empty> Update(const task::UpdateTaskRequest& r);
  Result<task::PidsResponse> Pids(const task::PidsRequest& r);
  Result<task::StatsResponse> Stats(const task::StatsRequest& r);
  Result<task::ConnectResponse> Connect(const task::ConnectRequest& r);
  Result<google::protobuf::Empty> Shutdown(const task::ShutdownRequest& r);

  // The pod VM's hypervisor pid, or 0 before boot.
  uint32_t vm_pid() const;
  // Stops the pod VM (its sandbox destroyed first when the agent answers); every process still
  // running exits with it. Idempotent.
  void StopVm();

 private:
  struct Proc;
  struct Task;

  Result<std::shared_ptr<Task>> FindTask(const std::string& id);
  Result<std::shared_ptr<Proc>> FindProc(const std::string& id, const std::string& exec_id);
  Result<std::unique_ptr<runtime::PodVm>> BootOnPodThread(const BundleSpec& spec);
  void StartIo(const std::shared_ptr<Task>& t, const std::shared_ptr<Proc>& p);
  void MarkExited(const std::shared_ptr<Task>& t, const std::shared_ptr<Proc>& p, int status);
  void WatchVm(runtime::PodVm* pod);

  Options o_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Task>> tasks_;
  std::set<std::string> creating_;  // ids whose Create is in progress
  int io_threads_ = 0;              // stdio pumps still running (they use the agent)
  std::atomic<bool> io_stop_{false};  // StopVm: the pumps stop waiting for FIFO readers
  // Shared: a call holds its own reference while it talks to the agent, so StopVm's teardown
  // never frees the agent connection (and its fd, which the kernel may then hand to containerd's
  // next connection) under a call still using it.
  std::shared_ptr<runtime::PodVm> pod_;
  uint32_t vm_pid_ = 0;  // the hypervisor's pid, reported as every task's pid
  std::mutex stop_mu_;   // one StopVm at a time
  bool vm_gone_ = false;
  bool shutting_down_ = false;
  std::thread pod_thread_;  // boots the VM and lives as long as it
  std::thread vm_watcher_;
  // A Kill of the sandbox stops the VM on this thread and answers at once, as runc's shim answers
  // a Kill before the process is gone: the exit follows as an event. (Answering only after the
  // teardown let CRI's exit handler delete the task and close its connection first, so the Kill
  // itself failed with "ttrpc: closed".)
  std::mutex stopper_mu_;
  std::thread stopper_;
  std::function<void()> pod_thread_job_;
  bool pod_thread_stop_ = false;
};

}  // namespace cocoon::shim
