// Agent policy checks (see agent_policy.h). Request contents are untrusted input to the policy.
#include "guest/agent_policy.h"

#include <google/protobuf/util/json_util.h>

#include "policy/rego_engine.h"

namespace cocoon::guest {

const char kAllowAllAgentPolicy[] = R"(package agent_policy

default AddARPNeighborsRequest := true
default CloseStdinRequest := true
default CopyFileRequest := true
default CreateContainerRequest := true
default CreateSandboxRequest := true
default DestroySandboxRequest := true
default ExecProcessRequest := true
default GetOOMEventRequest := true
default GuestDetailsRequest := true
default OnlineCPUMemRequest := true
default PullImageRequest := true
default ReadStreamRequest := true
default RemoveContainerRequest := true
default SetPolicyRequest := true
default SignalProcessRequest := true
default StartContainerRequest := true
default StatsContainerRequest := true
default TtyWinResizeRequest := true
default UpdateInterfaceRequest := true
default UpdateRoutesRequest := true
default WaitProcessRequest := true
default WriteStreamRequest := true
)";

const char kTeeDefaultAgentPolicy[] = R"(package agent_policy

# cocoon's default in a hardware TEE: the host runs and stops the pod, but cannot look inside it.
default AddARPNeighborsRequest := true
default CloseStdinRequest := true
default CreateContainerRequest := true
default CreateSandboxRequest := true
default DestroySandboxRequest := true
default GetOOMEventRequest := true
default GuestDetailsRequest := true
default OnlineCPUMemRequest := true
default PullImageRequest := true
default RemoveContainerRequest := true
default SignalProcessRequest := true
default StartContainerRequest := true
default StatsContainerRequest := true
default TtyWinResizeRequest := true
default UpdateInterfaceRequest := true
default UpdateRoutesRequest := true
default WaitProcessRequest := true
default WriteStreamRequest := true

# Refused: running a command in the workload, copying files into it, replacing this policy.
default ExecProcessRequest := false
default CopyFileRequest := false
default SetPolicyRequest := false

# The container's own output (exec_id "") may be read; an exec'd process's may not.
default ReadStreamRequest := false
ReadStreamRequest if input.exec_id == ""
)";

const char* DefaultAgentPolicy(std::string_view tee) {
  return tee == "sample" ? kAllowAllAgentPolicy : kTeeDefaultAgentPolicy;
}

Result<std::unique_ptr<AgentPolicy>> AgentPolicy::Compile(std::string_view rego) {
  ASSIGN_OR_RETURN(auto compiled, policy::NewRegoEngine()->Compile("agent-policy.rego", rego));
  return std::unique_ptr<AgentPolicy>(new AgentPolicy(std::move(compiled)));
}

Result<Json> RequestToJson(const google::protobuf::Message& request) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string text;
  auto st = google::protobuf::util::MessageToJsonString(request, &text, options);
  if (!st.ok()) {
    return Internal("cannot convert " + request.GetTypeName() +
                    " to JSON: " + std::string(st.message()));
  }
  return base::ParseJson(text);
}

Status AgentPolicy::Check(const google::protobuf::Message& request) const {
  const std::string& name = request.GetDescriptor()->name();
  ASSIGN_OR_RETURN(Json input, RequestToJson(request));
  auto verdict = policy_->Evaluate("data.agent_policy." + name, &input, Json::object());
  if (!verdict) {
    return Internal("agent policy evaluation of " + name + " failed: " + verdict.error().message());
  }
  if (*verdict && **verdict == Json(true)) return Ok();
  return PermissionDenied(name + " is blocked by policy");
}

}  // namespace cocoon::guest
