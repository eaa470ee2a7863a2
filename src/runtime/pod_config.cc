// BuildPodConfig (see pod_config.h): `cocoon run`'s options turned into the pod's spec.
#include "runtime/pod_config.h"

#include <optional>

#include "base/file.h"
#include "image/reference.h"
#include "image/transport_ref.h"
#include "initdata/initdata.h"
#include "net/http.h"
#include "podproto/podproto.h"
#include "runtime/pod_registry.h"

namespace cocoon::runtime {
namespace {

void AddService(std::vector<ForwardedService>& services, uint16_t port) {
  for (const auto& s : services) {
    if (s.guest_port == port) return;
  }
  services.push_back({port, port});
}

// IMAGE as a registry reference (skopeo's docker:// transport prefix allowed).
Result<image::Reference> ImageReference(const PodRunOptions& o) {
  std::string name = o.image_and_args.empty() ? std::string() : o.image_and_args[0];
  return image::ParseImageRef(name).DockerReference();
}

// Pod initdata from the options; the image's registry as PlanRegistryAccess set it up (the
// image keeps its name for the signature policy).
Result<std::string> BuildInitData(const PodRunOptions& o, const initdata::RegistryRemap& registry,
                                  Tee tee, std::vector<ForwardedService>& services) {
  initdata::Document in;
  // SNP's HOSTDATA holds 32 bytes; a TPM's SHA-256 PCR 8 is extended with the digest.
  if (tee == Tee::kSevSnp || o.vtpm) in.algorithm = "sha256";
  if (!o.kbs.empty()) {
    ASSIGN_OR_RETURN(in.kbs_url, GuestKbsUrl(o.kbs, services));
  }
  if (!o.kbs_cacert.empty()) {
    ASSIGN_OR_RETURN(in.kbs_cert, base::ReadFile(o.kbs_cacert, "--kbs-cacert"));
  }
  if (!o.policy.empty()) {
    ASSIGN_OR_RETURN(in.image_security_policy, base::ReadFile(o.policy, "--policy"));
  } else {
    in.image_security_policy = R"({"default":[{"type":"insecureAcceptAnything"}]})";
  }
  if (!o.agent_policy.empty()) {
    ASSIGN_OR_RETURN(in.agent_policy, base::ReadFile(o.agent_policy, "--agent-policy"));
  }
  in.registries.push_back(registry);
  return initdata::WriteDocument(in);
}

}  // namespace

Status CheckPodRunOptions(const PodRunOptions& o) {
  if (o.image_and_args.empty()) return InvalidArgument("IMAGE is required");
  if (!o.initdata.empty() &&
      (!o.kbs.empty() || !o.policy.empty() || !o.agent_policy.empty() || o.insecure_policy)) {
    return InvalidArgument(
        "--initdata is used as given: it excludes --kbs, --policy, --agent-policy and "
        "--insecure-policy (put them in the initdata document)");
  }
  if (o.initdata.empty() && o.policy.empty() && !o.insecure_policy) {
    return InvalidArgument(
        "no image signature policy: give --policy FILE (containers-policy.json) or "
        "--insecure-policy to run unsigned images");
  }
  TRY(ParseAccel(o.accel));
  TRY(ParseTee(o.tee));
  if (auto ref = ImageReference(o); !ref) {
    return InvalidArgument("IMAGE: " + ref.error().message());
  }
  return Ok();
}

Result<std::string> GuestKbsUrl(const std::string& url, std::vector<ForwardedService>& services) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return InvalidArgument("--kbs: '" + url + "' is not a URL");
  std::string scheme = url.substr(0, scheme_end);
  std::string rest = url.substr(scheme_end + 3);
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  auto [host, port] = net::SplitHostPort(hostport);
  if (!port) port = scheme == "https" ? 443 : 80;
  if (!net::IsLoopbackHost(host)) {
    return InvalidArgument("--kbs: " + url +
                           ": the pod VM reaches only services on this host's loopback "
                           "(127.0.0.1); run the KBS there or forward it");
  }
  AddService(services, *port);
  return scheme + "://" + std::string(podproto::kGuestServiceAddress) + ":" +
         std::to_string(*port) + path;
}

std::string AgentPolicyStep(const PodRunOptions& o, Tee tee, const std::string& initdata) {
  if (!o.agent_policy.empty()) return "agent policy: " + o.agent_policy + " (--agent-policy)";
  if (!o.initdata.empty()) {
    auto doc = initdata::ParseDocument(initdata);
    if (doc && !doc->agent_policy.empty()) return "agent policy: policy.rego of " + o.initdata;
  }
  if (tee == Tee::kNone && !o.vtpm) {
    return "agent policy: the agent's default without a TEE: allow-all (development mode: the "
           "host may exec into the container)";
  }
  return "agent policy: the agent's TEE default: exec, copying files in and reading an exec's "
         "output are refused (--agent-policy FILE to change it)";
}

Result<PodConfig> BuildPodConfig(const PodRunOptions& o,
                                 const std::function<void(const std::string&)>& warn) {
  TRY(CheckPodRunOptions(o));
  ASSIGN_OR_RETURN(image::Reference ref, ImageReference(o));
  PodConfig out;
  PodSpec& spec = out.spec;
  spec.image = ref.String();
  spec.args.assign(o.image_and_args.begin() + 1, o.image_and_args.end());
  ASSIGN_OR_RETURN(spec.accel, ParseAccel(o.accel));
  ASSIGN_OR_RETURN(spec.tee, ParseTee(o.tee));
  spec.firmware = o.firmware;
  spec.memory_mib = o.memory_mib;
  spec.vcpus = o.vcpus;

  RegistryAccessOptions ro;
  ro.tls_verify = o.tls_verify;
  ro.insecure_registries = o.insecure_registries;
  ro.cert_dir = o.cert_dir;
  ro.authfile = o.authfile;
  ASSIGN_OR_RETURN(RegistryAccess registry, PlanRegistryAccess(ref, ro, spec.services));
  if (registry.insecure && !registry.remap.connect_to.empty() && warn) {
    warn("registry " + ref.domain +
         " without TLS verification (plain HTTP allowed), as asked by --tls-verify=false / "
         "--insecure-registry");
  }
  spec.registry_auth = registry.auth_json;
  if (!o.initdata.empty()) {
    ASSIGN_OR_RETURN(spec.initdata, base::ReadFile(o.initdata, "--initdata"));
    // Forwards for the loopback services the user's initdata names (10.0.2.100:PORT).
    for (uint16_t port : initdata::ServicePorts(spec.initdata, podproto::kGuestServiceAddress)) {
      AddService(spec.services, port);
    }
  } else {
    ASSIGN_OR_RETURN(spec.initdata, BuildInitData(o, registry.remap, spec.tee, spec.services));
  }
  out.agent_policy_step = AgentPolicyStep(o, spec.tee, spec.initdata);
  return out;
}

}  // namespace cocoon::runtime
