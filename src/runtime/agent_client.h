// Host side of the agent protocol: typed calls to the guest's grpc.AgentService and grpc.Health
// over one ttrpc connection (the virtio-serial socket QEMU exposes, or a unix socket in tests).
// Answers come from the guest and are untrusted (decoded by protobuf, errors mapped to codes).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent.pb.h"
#include "base/error.h"
#include "health.pb.h"
#include "net/ttrpc_client.h"

namespace cocoon::runtime {

struct AgentTimeouts {
  std::chrono::milliseconds call{60'000};
  std::chrono::milliseconds create_container{600'000};   // includes the in-guest image pull
  std::chrono::milliseconds stream{24LL * 3600 * 1000};  // ReadStdout/ReadStderr/WaitProcess
};

class AgentClient {
 public:
  explicit AgentClient(std::unique_ptr<net::ttrpc::Client> client, AgentTimeouts t = {})
      : client_(std::move(client)), timeouts_(t) {}
  // Unavailable if nothing listens at `path`.
  static Result<std::unique_ptr<AgentClient>> DialUnix(const std::string& path,
                                                       AgentTimeouts t = {});

  // Errors: the agent's status mapped to cocoon codes (PermissionDenied when the agent policy
  // refuses, NotFound for unknown containers, …); Unavailable when the connection is gone;
  // DeadlineExceeded past the timeout.
  Result<bool> Check();  // true when the agent answers SERVING
  Result<::grpc::GuestDetailsResponse> GetGuestDetails();
  Status CreateSandbox(const ::grpc::CreateSandboxRequest& request);
  Status DestroySandbox();
  Status UpdateInterface(const ::grpc::UpdateInterfaceRequest& request);
  Status UpdateRoutes(const ::grpc::UpdateRoutesRequest& request);
  Status CreateContainer(const ::grpc::CreateContainerRequest& request);
  Status StartContainer(const std::string& container_id);
  Status RemoveContainer(const std::string& container_id);
  Status ExecProcess(const ::grpc::ExecProcessRequest& request);
  Status SignalProcess(const std::string& container_id, const std::string& exec_id, int signal);
  Result<int> WaitProcess(const std::string& container_id, const std::string& exec_id);
  Result<size_t> WriteStdin(const std::string& container_id, const std::string& exec_id,
                            std::string_view data);
  Status CloseStdin(const std::string& container_id, const std::string& exec_id);
  // Blocks until output is available; "" means end of stream.
  Result<std::string> ReadStdout(const std::string& container_id, const std::string& exec_id);
  Result<std::string> ReadStderr(const std::string& container_id, const std::string& exec_id);

  // A CreateContainerRequest that pulls `image` in the guest, with optional command override.
  static ::grpc::CreateContainerRequest GuestPullRequest(const std::string& container_id,
                                                         const std::string& image,
                                                         const std::vector<std::string>& args);

 private:
  template <typename Resp, typename Req>
  Result<Resp> Call(const char* method, const Req& request, std::chrono::milliseconds timeout);

  std::unique_ptr<net::ttrpc::Client> client_;
  AgentTimeouts timeouts_;
};

}  // namespace cocoon::runtime
