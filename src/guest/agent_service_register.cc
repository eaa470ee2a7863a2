// Wires AgentService's handlers to ttrpc methods, each behind the agent policy check.
#include "guest/agent_service.h"

namespace cocoon::guest {

void AgentService::RegisterWith(net::ttrpc::Server& server) {
  auto add = [this, &server]<typename Req, typename Resp>(
                 const char* method, Result<Resp> (AgentService::*fn)(const Req&)) {
    server.RegisterTyped<Req, Resp>(kAgentServiceName, method,
                                    [this, fn](const Req& request) -> Result<Resp> {
                                      TRY(trust_);  // an untrusted initdata stops the sandbox
                                      TRY(policy_->Check(request));
                                      return (this->*fn)(request);
                                    });
  };
  add("CreateSandbox", &AgentService::CreateSandbox);
  add("DestroySandbox", &AgentService::DestroySandbox);
  add("GetGuestDetails", &AgentService::GetGuestDetails);
  add("CreateContainer", &AgentService::CreateContainer);
  add("StartContainer", &AgentService::StartContainer);
  add("RemoveContainer", &AgentService::RemoveContainer);
  add("ExecProcess", &AgentService::ExecProcess);
  add("SignalProcess", &AgentService::SignalProcess);
  add("WaitProcess", &AgentService::WaitProcess);
  add("WriteStdin", &AgentService::WriteStdin);
  add("ReadStdout", &AgentService::ReadStdout);
  add("ReadStderr", &AgentService::ReadStderr);
  add("CloseStdin", &AgentService::CloseStdin);
  add("UpdateInterface", &AgentService::UpdateInterface);
  add("UpdateRoutes", &AgentService::UpdateRoutes);

  // Health is how the host learns the agent is up; like kata, it is not policy-checked.
  server.RegisterTyped<::grpc::CheckRequest, ::grpc::HealthCheckResponse>(
      kHealthServiceName, "Check",
      [](const ::grpc::CheckRequest&) -> Result<::grpc::HealthCheckResponse> {
        ::grpc::HealthCheckResponse out;
        out.set_status(::grpc::HealthCheckResponse::SERVING);
        return out;
      });
  server.RegisterTyped<::grpc::CheckRequest, ::grpc::VersionCheckResponse>(
      kHealthServiceName, "Version",
      [](const ::grpc::CheckRequest&) -> Result<::grpc::VersionCheckResponse> {
        ::grpc::VersionCheckResponse out;
        out.set_grpc_version("ttrpc");
        out.set_agent_version("cocoon-agent 0.1.0");
        return out;
      });
}

}  // namespace cocoon::guest
