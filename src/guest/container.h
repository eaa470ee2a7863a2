// Containers run by an OCI runtime (crun or runc): `create` with the agent's pipes as the
// container's stdio, `start`, `exec --detach`, `delete --force`. The container's processes are
// reparented to the agent (PID 1 or subreaper), which waits for them to learn exit codes.
// Trusts the bundle (the agent made it); process output is passed through as bytes.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "guest/child_process.h"

namespace cocoon::guest {

struct OciRuntime {
  std::string path = "crun";             // or "runc"; a path or a name in PATH
  std::vector<std::string> global_args;  // e.g. "--cgroup-manager=disabled"
  std::string root;                      // --root: the runtime's state directory
};

// One process in a container, with pipes the agent owns.
class ContainerProcess : public std::enable_shared_from_this<ContainerProcess> {
 public:
  static Result<std::shared_ptr<ContainerProcess>> Create();
  ~ContainerProcess();

  SpawnFds child_fds() const { return {in_r_, out_w_, err_w_}; }
  void CloseChildEnds();
  // Records the pid (owned by the agent) and waits for it on a background thread.
  void Started(pid_t pid);
  pid_t pid() const { return pid_; }

  // Blocks until output is available; returns up to `max` bytes, "" at end of stream.
  Result<std::string> Read(bool from_stderr, size_t max);
  // What is already buffered in the stderr pipe (for runtime error messages), not blocking.
  std::string TakeStderrNow();
  Result<size_t> Write(std::string_view data);
  Status CloseStdin();
  Result<int> Wait();  // exit code or 128 + signal
  std::optional<int> exit_code() const;
  Status Signal(int sig);
  // Ends pending reads (they return end of stream).
  void Shutdown();

 private:
  ContainerProcess() = default;
  int in_r_ = -1, in_w_ = -1, out_r_ = -1, out_w_ = -1, err_r_ = -1, err_w_ = -1;
  pid_t pid_ = -1;
  mutable std::mutex mu_;
  std::condition_variable exited_cv_;
  std::optional<int> exit_code_;
  std::mutex read_mu_[2];
  bool shutdown_ = false;
};

class Container {
 public:
  Container(OciRuntime runtime, std::string id, std::string bundle)
      : runtime_(std::move(runtime)), id_(std::move(id)), bundle_(std::move(bundle)) {}

  const std::string& id() const { return id_; }
  const std::string& bundle() const { return bundle_; }

  // `runtime create`: the init process exists, stopped before exec. FailedPrecondition with the
  // runtime's message if it fails.
  Status Create();
  // `runtime start`: the init process execs the container's command.
  Status Start();
  // `runtime exec --detach` of `args` as process `exec_id`. FailedPrecondition if the id is
  // taken or the runtime fails.
  Status Exec(const std::string& exec_id, const std::vector<std::string>& args,
              const std::vector<std::string>& env, const std::string& cwd);
  // The process `exec_id` ("" = init); NotFound otherwise.
  Result<std::shared_ptr<ContainerProcess>> Process(const std::string& exec_id) const;
  // Kills every process, `runtime delete --force`, removes the bundle.
  Status Remove();

 private:
  std::vector<std::string> RuntimeArgv(std::initializer_list<std::string> args) const;
  Result<pid_t> RunWithPidFile(std::string_view what, std::vector<std::string> argv,
                               ContainerProcess& process, const std::string& pid_file);

  OciRuntime runtime_;
  std::string id_;
  std::string bundle_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<ContainerProcess>> processes_;  // "" = init
};

}  // namespace cocoon::guest
