// The agent policy (kata's model): every agent request is checked against a Rego policy by
// querying data.agent_policy.<RequestMessageName> with the request as protobuf-JSON input
// (original field names, defaults printed). The policy text comes from the image, the agent
// config or initdata's policy.rego (trusted once loaded); requests come from the untrusted host.
#pragma once

#include <google/protobuf/message.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json.h"
#include "policy/policy_engine.h"

namespace cocoon::guest {

// kata's allow-all.rego in spirit: every rule true. The default when no policy is configured
// and there is no hardware TEE (the sample attester: a development mode).
extern const char kAllowAllAgentPolicy[];
// The default in a hardware TEE (SNP, TDX, a vTPM pod) when no policy is configured: the calls
// that expose the workload's data are refused (ExecProcess, CopyFile, SetPolicy, and ReadStream
// of an exec'd process); the rest of the pod lifecycle is allowed.
extern const char kTeeDefaultAgentPolicy[];
// kAllowAllAgentPolicy for "sample", kTeeDefaultAgentPolicy for every other TEE (and "").
const char* DefaultAgentPolicy(std::string_view tee);

class AgentPolicy {
 public:
  // Compiles `rego` (package agent_policy). InvalidArgument with line:column if it does not.
  static Result<std::unique_ptr<AgentPolicy>> Compile(std::string_view rego);

  // Ok when data.agent_policy.<Name> is true for `request`; PermissionDenied
  // "<Name> is blocked by policy" when it is false, undefined or not a boolean; Internal if the
  // request cannot be converted to JSON or the evaluation fails.
  Status Check(const google::protobuf::Message& request) const;

 private:
  explicit AgentPolicy(std::shared_ptr<const policy::Policy> p) : policy_(std::move(p)) {}
  std::shared_ptr<const policy::Policy> policy_;
};

// The request as the policy sees it: protobuf JSON with proto field names and defaults.
Result<Json> RequestToJson(const google::protobuf::Message& request);

}  // namespace cocoon::guest
