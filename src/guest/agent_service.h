// The guest agent service (kata's AgentService + Health, package grpc): sandbox, containers from
// images pulled in the guest, processes and their stdio. Every request comes from the untrusted
// host and is checked against the agent policy before anything else happens.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent.pb.h"
#include "base/error.h"
#include "guest/agent_policy.h"
#include "guest/container.h"
#include "guest/kbs_client.h"
#include "health.pb.h"
#include "image/ocicrypt/ocicrypt_keyprovider.h"
#include "image/registry/registry_client.h"
#include "image/signature/signature_policy.h"
#include "initdata/initdata.h"
#include "net/ttrpc_server.h"
#include "tee/tee.h"

namespace cocoon::guest {

inline constexpr char kAgentServiceName[] = "grpc.AgentService";
inline constexpr char kHealthServiceName[] = "grpc.Health";

struct AgentConfig {
  OciRuntime runtime;
  std::string work_dir = "/run/cocoon";  // bundles in <work_dir>/containers/<id>
  // Agent policy (Rego, package agent_policy). Empty: initdata's policy.rego, else the default
  // for `tee` (DefaultAgentPolicy: allow-all only for the sample TEE).
  std::string agent_policy;
  // containers-policy.json text. Empty: initdata's cdh.toml [image] image_security_policy; if
  // neither, pulls fail unless insecure_accept_anything.
  std::string image_policy_json;
  bool insecure_accept_anything = false;
  // KBS for image keys: initdata's cdh.toml [kbc] url, then CreateSandbox.kbs_url, then this.
  // A URL from the host or this flag that differs from the initdata's is refused.
  std::string kbs_url;
  std::string kbs_cacert;  // ignored when the initdata gives kbc.kbs_cert
  // The initdata document, if any. Before acting on it the agent checks its digest against the
  // init-data field of the attester's evidence (guest/initdata_binding.h); on a mismatch every
  // request is refused with that error.
  std::string init_data_toml;
  // The TEE the guest runs in ("snp", "tdx", "tpm", "sample"): picks the default agent policy.
  std::string tee;
  image::RegistryOptions registry;
  // Makes the attester for the KBS client (the sample attester where no TEE exists).
  std::function<std::unique_ptr<tee::Attester>()> attester_factory;
  bool init_daemon = false;  // running as PID 1 (reported in GetGuestDetails)
  // Hears the confidential steps as they happen (attested, key released, image pulled and
  // verified, container created); cocoon-agent prints them on the console with
  // podproto::kStepPrefix for the host to show.
  std::function<void(std::string_view)> progress;
  // Hears the agent's own notes (which agent policy is in force); cocoon-agent logs them.
  std::function<void(std::string_view)> log;
};

class AgentService {
 public:
  // InvalidArgument if the agent policy, initdata or image policy does not parse.
  static Result<std::unique_ptr<AgentService>> Create(AgentConfig config);
  ~AgentService();

  // Registers every method of grpc.AgentService and grpc.Health on `server`.
  void RegisterWith(net::ttrpc::Server& server);
  // Removes every container (agent shutdown).
  void Shutdown();

 private:
  // The handlers; RegisterWith checks the agent policy before calling them.
  Result<google::protobuf::Empty> CreateSandbox(const ::grpc::CreateSandboxRequest& r);
  Result<google::protobuf::Empty> DestroySandbox(const ::grpc::DestroySandboxRequest& r);
  Result<::grpc::GuestDetailsResponse> GetGuestDetails(const ::grpc::GuestDetailsRequest& r);
  Result<google::protobuf::Empty> CreateContainer(const ::grpc::CreateContainerRequest& r);
  Result<google::protobuf::Empty> StartContainer(const ::grpc::StartContainerRequest& r);
  Result<google::protobuf::Empty> RemoveContainer(const ::grpc::RemoveContainerRequest& r);
  Result<google::protobuf::Empty> ExecProcess(const ::grpc::ExecProcessRequest& r);
  Result<google::protobuf::Empty> SignalProcess(const ::grpc::SignalProcessRequest& r);
  Result<::grpc::WaitProcessResponse> WaitProcess(const ::grpc::WaitProcessRequest& r);
  Result<::grpc::WriteStreamResponse> WriteStdin(const ::grpc::WriteStreamRequest& r);
  Result<::grpc::ReadStreamResponse> ReadStdout(const ::grpc::ReadStreamRequest& r);
  Result<::grpc::ReadStreamResponse> ReadStderr(const ::grpc::ReadStreamRequest& r);
  Result<google::protobuf::Empty> CloseStdin(const ::grpc::CloseStdinRequest& r);
  Result<::grpc::Interface> UpdateInterface(const ::grpc::UpdateInterfaceRequest& r);
  Result<::grpc::Routes> UpdateRoutes(const ::grpc::UpdateRoutesRequest& r);

  AgentService(AgentConfig config, std::unique_ptr<AgentPolicy> policy,
               std::optional<image::ContainersPolicy> image_policy, initdata::Document init,
               Status trust);
  Result<std::shared_ptr<Container>> Find(const std::string& id);
  Result<std::shared_ptr<ContainerProcess>> FindProcess(const std::string& cid,
                                                        const std::string& exec_id);
  Result<::grpc::ReadStreamResponse> ReadStream(const ::grpc::ReadStreamRequest& r, bool err);
  Result<std::shared_ptr<image::KeyProvider>> GetKeyProvider();

  AgentConfig config_;
  std::unique_ptr<AgentPolicy> policy_;
  std::optional<image::ContainersPolicy> image_policy_;
  initdata::Document init_;
  // Ok, or why the initdata cannot be trusted (digest mismatch, conflicting KBS URL): then every
  // request fails with it.
  Status trust_;
  std::mutex mu_;
  bool sandbox_ = false;
  std::string sandbox_kbs_;
  std::string sandbox_auth_;  // registry auth.json from CreateSandbox (kept in memory only)
  std::shared_ptr<image::KeyProvider> key_provider_;
  std::map<std::string, std::shared_ptr<Container>> containers_;
};

}  // namespace cocoon::guest
