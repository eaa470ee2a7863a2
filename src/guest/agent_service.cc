// The guest agent service (see agent_service.h). Requests are untrusted: ids are validated
// before they name paths, and every call passes the agent policy first.
#include "guest/agent_service.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <map>

#include "base/file.h"
#include "base/limits.h"
#include "guest/agent_process.h"
#include "guest/guest_pull.h"
#include "guest/initdata_binding.h"
#include "guest/kbs_key_provider.h"
#include "guest/pod_network.h"
#include "initdata/initdata.h"
#include "podproto/podproto.h"

namespace cocoon::guest {
namespace {

constexpr char kAgentVersion[] = "cocoon-agent 0.1.0";
constexpr char kGuestPullDriver[] = "image_guest_pull";

// Container and exec ids name directories and runtime state: [A-Za-z0-9_.-], 1..64, no
// leading dot.
Status CheckId(const std::string& id, std::string_view what) {
  bool ok = !id.empty() && id.size() <= 64 && id[0] != '.';
  for (char c : id)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  if (!ok) return InvalidArgument("invalid " + std::string(what) + " '" + id.substr(0, 64) + "'");
  return Ok();
}

// "peak RSS <VmHWM>, now <VmRSS> (anon <RssAnon>)" from /proc/self/status, for the host.
std::string MemoryReport() {
  auto status = base::ReadFile("/proc/self/status", "/proc/self/status");
  if (!status) return "unknown";
  std::map<std::string, std::string> v;
  for (size_t pos = 0; pos < status->size();) {
    size_t nl = status->find('\n', pos);
    std::string line = status->substr(pos, nl == std::string::npos ? nl : nl - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      v[line.substr(0, colon)] = value;
    }
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return "peak RSS " + v["VmHWM"] + ", now " + v["VmRSS"] + " (anonymous " + v["RssAnon"] +
         ", files " + v["RssFile"] + ")";
}

// The agent policy in force and a line saying where it came from.
std::pair<std::string, std::string> ChoosePolicy(const AgentConfig& c,
                                                 const initdata::Document& init) {
  if (!c.agent_policy.empty()) return {c.agent_policy, "agent policy: from the agent's --policy"};
  if (!init.agent_policy.empty()) return {init.agent_policy, "agent policy: initdata policy.rego"};
  std::string rego = DefaultAgentPolicy(c.tee);
  if (rego == kAllowAllAgentPolicy) {
    return {rego, "agent policy: allow-all default (TEE " + c.tee +
                      ", a development mode: the host may exec into the container)"};
  }
  return {rego, "agent policy: the TEE default (TEE " + c.tee +
                    "): exec, copying files in and reading an exec's output are refused"};
}

// Whether the agent may act on its initdata: the digest matches the evidence, and the agent's
// own --kbs flag does not contradict it.
Status CheckTrust(const AgentConfig& c, const initdata::Document& init) {
  TRY(initdata::ChooseKbsUrl(init, c.kbs_url, "the agent's --kbs flag"));
  if (c.init_data_toml.empty()) return Ok();
  std::unique_ptr<tee::Attester> attester = c.attester_factory();
  if (!attester) return Internal("initdata check: no attester");
  ASSIGN_OR_RETURN(std::string matched, CheckInitDataWithAttester(*attester, c.init_data_toml));
  if (c.progress) c.progress(matched);
  return Ok();
}

}  // namespace

Result<std::unique_ptr<AgentService>> AgentService::Create(AgentConfig config) {
  initdata::Document init;
  if (!config.init_data_toml.empty()) {
    ASSIGN_OR_RETURN(init, initdata::ParseDocument(config.init_data_toml));
  }
  if (!config.attester_factory) return InvalidArgument("agent config has no attester");
  auto [rego, source] = ChoosePolicy(config, init);
  auto policy = AgentPolicy::Compile(rego);
  if (!policy) return std::unexpected(policy.error().WithContext("agent policy"));
  std::optional<image::ContainersPolicy> image_policy;
  std::string policy_json =
      !config.image_policy_json.empty() ? config.image_policy_json : init.image_security_policy;
  if (!policy_json.empty()) {
    auto p = image::ParsePolicy(policy_json);
    if (!p) return std::unexpected(p.error().WithContext("image signature policy"));
    image_policy = std::move(*p);
  }
  if (config.log) config.log(source);
  Status trust = CheckTrust(config, init);
  if (!trust) {
    std::string line = "refusing every request: " + trust.error().message();
    if (config.progress) config.progress(line);
    if (config.log) config.log(line);
  }
  return std::unique_ptr<AgentService>(new AgentService(std::move(config), std::move(*policy),
                                                        std::move(image_policy), std::move(init),
                                                        std::move(trust)));
}

AgentService::AgentService(AgentConfig config, std::unique_ptr<AgentPolicy> policy,
                           std::optional<image::ContainersPolicy> image_policy,
                           initdata::Document init, Status trust)
    : config_(std::move(config)),
      policy_(std::move(policy)),
      image_policy_(std::move(image_policy)),
      init_(std::move(init)),
      trust_(std::move(trust)) {}

AgentService::~AgentService() { Shutdown(); }

void AgentService::Shutdown() {
  std::map<std::string, std::shared_ptr<Container>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(containers_);
  }
  for (auto& [id, c] : all) (void)c->Remove();
}

Result<google::protobuf::Empty> AgentService::CreateSandbox(const ::grpc::CreateSandboxRequest& r) {
  std::lock_guard lock(mu_);
  if (sandbox_) return FailedPrecondition("sandbox already created");
  TRY(initdata::ChooseKbsUrl(init_, r.kbs_url(), "CreateSandbox"));
  if (!r.hostname().empty() && config_.init_daemon) {
    (void)::sethostname(r.hostname().data(), r.hostname().size());
  }
  std::error_code ec;
  std::filesystem::create_directories(config_.work_dir + "/containers", ec);
  if (ec) return Internal("cannot create " + config_.work_dir + "/containers: " + ec.message());
  sandbox_kbs_ = r.kbs_url();
  sandbox_auth_ = r.registry_auth();
  sandbox_ = true;
  if (config_.progress) config_.progress("agent memory at sandbox start: " + MemoryReport());
  return google::protobuf::Empty();
}

Result<google::protobuf::Empty> AgentService::DestroySandbox(const ::grpc::DestroySandboxRequest&) {
  Shutdown();
  if (config_.progress) config_.progress("agent memory: " + MemoryReport());
  std::lock_guard lock(mu_);
  sandbox_ = false;
  sandbox_auth_.clear();
  key_provider_.reset();
  return google::protobuf::Empty();
}

Result<::grpc::Interface> AgentService::UpdateInterface(const ::grpc::UpdateInterfaceRequest& r) {
  ASSIGN_OR_RETURN(auto nic, ApplyInterface(r.interface()));
  AgentLog("pod network: " + nic.name() + " " +
           (nic.ipaddresses_size() > 0
                ? nic.ipaddresses(0).address() + "/" + nic.ipaddresses(0).mask()
                : std::string("(no address)")));
  return nic;
}

Result<::grpc::Routes> AgentService::UpdateRoutes(const ::grpc::UpdateRoutesRequest& r) {
  return ApplyRoutes(r.routes());
}

Result<::grpc::GuestDetailsResponse> AgentService::GetGuestDetails(
    const ::grpc::GuestDetailsRequest&) {
  ::grpc::GuestDetailsResponse out;
  auto* d = out.mutable_agent_details();
  d->set_version(kAgentVersion);
  d->set_init_daemon(config_.init_daemon);
  d->add_storage_handlers(kGuestPullDriver);
  return out;
}

Result<std::shared_ptr<image::KeyProvider>> AgentService::GetKeyProvider() {
  std::lock_guard lock(mu_);
  if (key_provider_) return key_provider_;
  std::string url = !init_.kbs_url.empty()  ? init_.kbs_url
                    : !sandbox_kbs_.empty() ? sandbox_kbs_
                                            : config_.kbs_url;
  if (url.empty()) return std::shared_ptr<image::KeyProvider>();  // local layers only
  KbsClientOptions o;
  o.url = url;
  o.ca_file = config_.kbs_cacert;
  o.ca_pem = init_.kbs_cert;  // the measured certificate, and only it
  if (!config_.init_data_toml.empty()) {
    o.init_data = initdata::InitData{"toml", config_.init_data_toml};
  }
  ASSIGN_OR_RETURN(auto client, KbsClient::Create(std::move(o), config_.attester_factory()));
  key_provider_ = std::make_shared<KbsKeyProvider>(std::move(client), config_.progress);
  return key_provider_;
}

Result<google::protobuf::Empty> AgentService::CreateContainer(
    const ::grpc::CreateContainerRequest& r) {
  TRY(CheckId(r.container_id(), "container id"));
  const ::grpc::Storage* pull = nullptr;
  for (const auto& s : r.storages()) {
    if (s.driver() == kGuestPullDriver) pull = &s;
  }
  if (pull == nullptr || pull->source().empty()) {
    return InvalidArgument("CreateContainer needs a storage with driver image_guest_pull");
  }
  std::string bundle = config_.work_dir + "/containers/" + r.container_id();
  {
    std::lock_guard lock(mu_);
    if (!sandbox_) return FailedPrecondition("CreateSandbox has not been called");
    if (containers_.count(r.container_id())) {
      return FailedPrecondition("container " + r.container_id() + " exists");
    }
    containers_[r.container_id()] = nullptr;  // reserve the id while pulling
  }
  auto release = [&] {
    std::lock_guard lock(mu_);
    containers_.erase(r.container_id());
  };
  if (!image_policy_ && !config_.insecure_accept_anything) {
    release();
    return FailedPrecondition(
        "no image signature policy configured (initdata cdh.toml "
        "image_security_policy or the agent's --image-policy)");
  }
  GuestPullConfig pc;
  pc.policy = image_policy_ ? &*image_policy_ : nullptr;
  pc.registry = config_.registry;
  pc.registries = ToImageRemaps(init_.registries);
  {
    std::lock_guard lock(mu_);
    pc.auth_json = sandbox_auth_;
  }
  auto kp = GetKeyProvider();
  if (!kp) {
    release();
    return std::unexpected(kp.error());
  }
  pc.key_provider = *kp;
  auto pulled = PullContainerImage(pull->source(), bundle, r.oci(), pc);
  ::malloc_trim(0);  // give the pull's buffers back before the container runs
  if (pulled && config_.progress) {
    config_.progress(podproto::StepLine(
        podproto::Step::kImage,
        pull->source() + " " + pulled->manifest_digest.String() +
            (image_policy_ ? ", signature policy satisfied" : ", signatures not checked") + ", " +
            std::to_string(pulled->encrypted_layers) + " of " +
            std::to_string(pulled->layers.size()) + " layers decrypted, unpacked in the guest"));
  }
  auto container = std::make_shared<Container>(config_.runtime, r.container_id(), bundle);
  Status st = pulled ? container->Create() : Status(std::unexpected(pulled.error()));
  if (!st) {
    std::error_code ec;
    std::filesystem::remove_all(bundle, ec);
    release();
    return std::unexpected(st.error().WithContext("CreateContainer " + r.container_id()));
  }
  std::lock_guard lock(mu_);
  containers_[r.container_id()] = std::move(container);
  return google::protobuf::Empty();
}

Result<std::shared_ptr<Container>> AgentService::Find(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = containers_.find(id);
  if (it == containers_.end() || !it->second) return NotFound("no container '" + id + "'");
  return it->second;
}

Result<std::shared_ptr<ContainerProcess>> AgentService::FindProcess(const std::string& cid,
                                                                    const std::string& exec_id) {
  ASSIGN_OR_RETURN(auto c, Find(cid));
  return c->Process(exec_id);
}

Result<google::protobuf::Empty> AgentService::StartContainer(
    const ::grpc::StartContainerRequest& r) {
  ASSIGN_OR_RETURN(auto c, Find(r.container_id()));
  TRY(c->Start());
  return google::protobuf::Empty();
}

Result<google::protobuf::Empty> AgentService::RemoveContainer(
    const ::grpc::RemoveContainerRequest& r) {
  ASSIGN_OR_RETURN(auto c, Find(r.container_id()));
  {
    std::lock_guard lock(mu_);
    containers_.erase(r.container_id());
  }
  TRY(c->Remove());
  return google::protobuf::Empty();
}

Result<google::protobuf::Empty> AgentService::ExecProcess(const ::grpc::ExecProcessRequest& r) {
  TRY(CheckId(r.exec_id(), "exec id"));
  ASSIGN_OR_RETURN(auto c, Find(r.container_id()));
  const auto& p = r.process();
  TRY(c->Exec(r.exec_id(), {p.args().begin(), p.args().end()}, {p.env().begin(), p.env().end()},
              p.cwd()));
  return google::protobuf::Empty();
}

Result<google::protobuf::Empty> AgentService::SignalProcess(const ::grpc::SignalProcessRequest& r) {
  if (r.signal() < 1 || r.signal() > 64) {
    return InvalidArgument("signal " + std::to_string(r.signal()) + " out of range");
  }
  ASSIGN_OR_RETURN(auto p, FindProcess(r.container_id(), r.exec_id()));
  TRY(p->Signal(static_cast<int>(r.signal())));
  return google::protobuf::Empty();
}

Result<::grpc::WaitProcessResponse> AgentService::WaitProcess(const ::grpc::WaitProcessRequest& r) {
  ASSIGN_OR_RETURN(auto p, FindProcess(r.container_id(), r.exec_id()));
  ASSIGN_OR_RETURN(int code, p->Wait());
  ::grpc::WaitProcessResponse out;
  out.set_status(code);
  return out;
}

Result<::grpc::WriteStreamResponse> AgentService::WriteStdin(const ::grpc::WriteStreamRequest& r) {
  ASSIGN_OR_RETURN(auto p, FindProcess(r.container_id(), r.exec_id()));
  ASSIGN_OR_RETURN(size_t n, p->Write(r.data()));
  ::grpc::WriteStreamResponse out;
  out.set_len(static_cast<uint32_t>(n));
  return out;
}

Result<::grpc::ReadStreamResponse> AgentService::ReadStream(const ::grpc::ReadStreamRequest& r,
                                                            bool err) {
  ASSIGN_OR_RETURN(auto p, FindProcess(r.container_id(), r.exec_id()));
  size_t max = r.len() == 0 ? limits::kAgentReadChunkBytes
                            : std::min<size_t>(r.len(), limits::kAgentReadChunkBytes);
  ASSIGN_OR_RETURN(std::string data, p->Read(err, max));
  ::grpc::ReadStreamResponse out;
  out.set_data(std::move(data));
  return out;
}

Result<::grpc::ReadStreamResponse> AgentService::ReadStdout(const ::grpc::ReadStreamRequest& r) {
  return ReadStream(r, false);
}
Result<::grpc::ReadStreamResponse> AgentService::ReadStderr(const ::grpc::ReadStreamRequest& r) {
  return ReadStream(r, true);
}

Result<google::protobuf::Empty> AgentService::CloseStdin(const ::grpc::CloseStdinRequest& r) {
  ASSIGN_OR_RETURN(auto p, FindProcess(r.container_id(), r.exec_id()));
  TRY(p->CloseStdin());
  return google::protobuf::Empty();
}

}  // namespace cocoon::guest
