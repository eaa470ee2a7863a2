// Typed agent calls over ttrpc (see agent_client.h).
#include "runtime/agent_client.h"

#include <google/protobuf/empty.pb.h>

namespace cocoon::runtime {
namespace {

constexpr char kAgent[] = "grpc.AgentService";
using Empty = google::protobuf::Empty;

}  // namespace

Result<std::unique_ptr<AgentClient>> AgentClient::DialUnix(const std::string& path,
                                                           AgentTimeouts t) {
  ASSIGN_OR_RETURN(auto c, net::ttrpc::Client::DialUnix(path));
  return std::make_unique<AgentClient>(std::move(c), t);
}

template <typename Resp, typename Req>
Result<Resp> AgentClient::Call(const char* method, const Req& request,
                               std::chrono::milliseconds timeout) {
  auto r = client_->CallTyped<Resp>(kAgent, method, request, timeout);
  if (!r) return std::unexpected(r.error().WithContext(std::string("agent ") + method));
  return r;
}

Result<bool> AgentClient::Check() {
  auto r = client_->CallTyped<::grpc::HealthCheckResponse>("grpc.Health", "Check",
                                                           ::grpc::CheckRequest(), timeouts_.call);
  if (!r) return std::unexpected(r.error().WithContext("agent Check"));
  return r->status() == ::grpc::HealthCheckResponse::SERVING;
}

Result<::grpc::GuestDetailsResponse> AgentClient::GetGuestDetails() {
  return Call<::grpc::GuestDetailsResponse>("GetGuestDetails", ::grpc::GuestDetailsRequest(),
                                            timeouts_.call);
}

Status AgentClient::CreateSandbox(const ::grpc::CreateSandboxRequest& request) {
  TRY(Call<Empty>("CreateSandbox", request, timeouts_.call));
  return Ok();
}

Status AgentClient::UpdateInterface(const ::grpc::UpdateInterfaceRequest& request) {
  TRY(Call<::grpc::Interface>("UpdateInterface", request, timeouts_.call));
  return Ok();
}

Status AgentClient::UpdateRoutes(const ::grpc::UpdateRoutesRequest& request) {
  TRY(Call<::grpc::Routes>("UpdateRoutes", request, timeouts_.call));
  return Ok();
}

Status AgentClient::DestroySandbox() {
  TRY(Call<Empty>("DestroySandbox", ::grpc::DestroySandboxRequest(), timeouts_.call));
  return Ok();
}

Status AgentClient::CreateContainer(const ::grpc::CreateContainerRequest& request) {
  TRY(Call<Empty>("CreateContainer", request, timeouts_.create_container));
  return Ok();
}

Status AgentClient::StartContainer(const std::string& container_id) {
  ::grpc::StartContainerRequest r;
  r.set_container_id(container_id);
  TRY(Call<Empty>("StartContainer", r, timeouts_.call));
  return Ok();
}

Status AgentClient::RemoveContainer(const std::string& container_id) {
  ::grpc::RemoveContainerRequest r;
  r.set_container_id(container_id);
  TRY(Call<Empty>("RemoveContainer", r, timeouts_.call));
  return Ok();
}

Status AgentClient::ExecProcess(const ::grpc::ExecProcessRequest& request) {
  TRY(Call<Empty>("ExecProcess", request, timeouts_.call));
  return Ok();
}

Status AgentClient::SignalProcess(const std::string& container_id, const std::string& exec_id,
                                  int signal) {
  ::grpc::SignalProcessRequest r;
  r.set_container_id(container_id);
  r.set_exec_id(exec_id);
  r.set_signal(static_cast<uint32_t>(signal));
  TRY(Call<Empty>("SignalProcess", r, timeouts_.call));
  return Ok();
}

Result<int> AgentClient::WaitProcess(const std::string& container_id, const std::string& exec_id) {
  ::grpc::WaitProcessRequest r;
  r.set_container_id(container_id);
  r.set_exec_id(exec_id);
  ASSIGN_OR_RETURN(auto resp,
                   Call<::grpc::WaitProcessResponse>("WaitProcess", r, timeouts_.stream));
  return resp.status();
}

Result<size_t> AgentClient::WriteStdin(const std::string& container_id, const std::string& exec_id,
                                       std::string_view data) {
  ::grpc::WriteStreamRequest r;
  r.set_container_id(container_id);
  r.set_exec_id(exec_id);
  r.set_data(std::string(data));
  ASSIGN_OR_RETURN(auto resp, Call<::grpc::WriteStreamResponse>("WriteStdin", r, timeouts_.call));
  return resp.len();
}

Status AgentClient::CloseStdin(const std::string& container_id, const std::string& exec_id) {
  ::grpc::CloseStdinRequest r;
  r.set_container_id(container_id);
  r.set_exec_id(exec_id);
  TRY(Call<Empty>("CloseStdin", r, timeouts_.call));
  return Ok();
}

Result<std::string> AgentClient::ReadStdout(const std::string& container_id,
                                            const std::string& exec_id) {
  ::grpc::ReadStreamRequest r;
  r.set_container_id(container_id);
  r.set_exec_id(exec_id);
  ASSIGN_OR_RETURN(auto resp, Call<::grpc::ReadStreamResponse>("ReadStdout", r, timeouts_.stream));
  return std::move(*resp.mutable_data());
}

Result<std::string> AgentClient::ReadStderr(const std::string& container_id,
                                            const std::string& exec_id) {
  ::grpc::ReadStreamRequest r;
  r.set_container_id(container_id);
  r.set_exec_id(exec_id);
  ASSIGN_OR_RETURN(auto resp, Call<::grpc::ReadStreamResponse>("ReadStderr", r, timeouts_.stream));
  return std::move(*resp.mutable_data());
}

::grpc::CreateContainerRequest AgentClient::GuestPullRequest(const std::string& container_id,
                                                             const std::string& image,
                                                             const std::vector<std::string>& args) {
  ::grpc::CreateContainerRequest r;
  r.set_container_id(container_id);
  auto* s = r.add_storages();
  s->set_driver("image_guest_pull");
  s->set_source(image);
  s->set_fstype("overlay");
  s->set_mount_point("/run/kata-containers/" + container_id + "/rootfs");
  for (const auto& a : args) r.mutable_oci()->mutable_process()->add_args(a);
  return r;
}

}  // namespace cocoon::runtime
