// PlanRegistryAccess (see pod_registry.h): forwards, CA bundles and credentials per registry.
#include "runtime/pod_registry.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "base/encoding.h"
#include "base/file.h"
#include "base/json.h"
#include "image/registry/auth.h"
#include "net/http.h"
#include "podproto/podproto.h"

namespace cocoon::runtime {
namespace {

namespace fs = std::filesystem;

constexpr uint16_t kFirstSparePort = 20000;

// What QEMU's guestfwd command (run by /bin/sh) can take: a DNS name or an IPv4 address.
bool IsForwardableHost(std::string_view host) {
  return !host.empty() && host.size() <= 253 && host[0] != '-' &&
         host.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
             std::string_view::npos;
}

bool GuestPortUsed(const std::vector<ForwardedService>& services, uint16_t port) {
  return std::any_of(services.begin(), services.end(),
                     [port](const ForwardedService& s) { return s.guest_port == port; });
}

// The guest port forwarding to host:port, added to `services` unless already there.
uint16_t Forward(std::vector<ForwardedService>& services, const std::string& host, uint16_t port,
                 uint16_t wanted_guest_port) {
  for (const auto& s : services) {
    if (s.host == host && s.host_port == port) return s.guest_port;
  }
  uint16_t guest = wanted_guest_port;
  if (GuestPortUsed(services, guest)) {
    for (guest = kFirstSparePort; GuestPortUsed(services, guest); ++guest) {
    }
  }
  services.push_back({guest, port, host});
  return guest;
}

// The *.crt files of `dir`, sorted, concatenated. NotFound when `dir` is missing and required.
Result<std::string> CertsIn(const std::string& dir, bool required) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (required) return NotFound("--cert-dir " + dir + ": not a directory");
    return std::string();
  }
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".crt") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  std::string pem;
  for (const auto& f : files) {
    ASSIGN_OR_RETURN(std::string text, base::ReadFile(f, "registry CA certificate", 1 << 20));
    pem += text;
    if (!pem.empty() && pem.back() != '\n') pem += '\n';
  }
  return pem;
}

// The system bundle and the registry's own CAs (--cert-dir, else certs.d/<domain>/).
Result<std::string> CaBundle(const std::string& domain, const RegistryAccessOptions& o) {
  std::string pem;
  if (auto system = base::ReadFile(o.system_ca_bundle, "system CA bundle", 16 << 20)) {
    pem = *system;
    if (!pem.empty() && pem.back() != '\n') pem += '\n';
  }
  if (!o.cert_dir.empty()) {
    ASSIGN_OR_RETURN(std::string own, CertsIn(o.cert_dir, true));
    pem += own;
  } else {
    for (const auto& d : o.certs_dirs) {
      ASSIGN_OR_RETURN(std::string own, CertsIn(d + "/" + domain, false));
      pem += own;
    }
  }
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return FailedPrecondition("no CA certificate to verify registry " + domain + " (no " +
                              o.system_ca_bundle +
                              "; install ca-certificates, or give its CA with --cert-dir DIR)");
  }
  return pem;
}

Result<std::string> AuthJson(const image::Reference& ref, const std::string& authfile) {
  auto creds = image::LookupCredentials(authfile, ref);
  if (!creds) return std::unexpected(creds.error().WithContext("registry credentials"));
  if (!*creds) return std::string();
  std::string pair = (*creds)->username + ":" + (*creds)->password;
  Json j = {{"auths", {{ref.domain, {{"auth", base::Base64Encode(AsBytes(pair))}}}}}};
  return base::DumpJson(j);
}

bool Insecure(const std::string& domain, const std::string& host, const RegistryAccessOptions& o) {
  if (!o.tls_verify) return true;
  return std::any_of(o.insecure_registries.begin(), o.insecure_registries.end(),
                     [&](const std::string& r) { return r == domain || r == host; });
}

}  // namespace

std::vector<std::string> DefaultCertsDirs() {
  std::string config;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x != nullptr && *x != '\0') {
    config = x;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    config = std::string(home) + "/.config";
  }
  std::vector<std::string> dirs = {"/etc/containers/certs.d", "/etc/docker/certs.d"};
  if (!config.empty()) dirs.push_back(config + "/containers/certs.d");
  return dirs;
}

Result<RegistryAccess> PlanRegistryAccess(const image::Reference& ref,
                                          const RegistryAccessOptions& o,
                                          std::vector<ForwardedService>& services) {
  RegistryAccess out;
  ASSIGN_OR_RETURN(out.auth_json, AuthJson(ref, o.authfile));
  std::string guest_host(podproto::kGuestServiceAddress);
  auto [host, port] = net::SplitHostPort(ref.domain);
  if (net::IsLoopbackHost(host)) {  // this host's own registry: plain HTTP on loopback, as before
    if (!port) return InvalidArgument("image " + ref.String() + ": a local registry needs a port");
    uint16_t guest = Forward(services, "127.0.0.1", *port, *port);
    out.remap = {ref.domain, guest_host + ":" + std::to_string(guest), true, "", ""};
    out.insecure = true;
    return out;
  }
  auto [api_host, api_port] = net::SplitHostPort(ref.ApiHost());
  if (!IsForwardableHost(api_host)) {
    return InvalidArgument("image " + ref.String() + ": registry host '" + api_host +
                           "' is not a DNS name or IPv4 address the pod VM can be forwarded to");
  }
  out.insecure = Insecure(ref.domain, host, o);
  if (out.insecure && !api_port) {
    return InvalidArgument("image " + ref.String() +
                           ": plain HTTP (--tls-verify=false, --insecure-registry) needs the "
                           "registry's port in the image name (HOST:PORT/…)");
  }
  uint16_t target = api_port.value_or(443);
  uint16_t guest = Forward(services, api_host, target, target);
  out.remap.prefix = ref.domain;
  out.remap.location = ref.domain;
  out.remap.insecure = out.insecure;
  out.remap.connect_to = guest_host + ":" + std::to_string(guest);
  if (!out.insecure) {
    ASSIGN_OR_RETURN(out.remap.ca_certs, CaBundle(ref.domain, o));
  }
  return out;
}

}  // namespace cocoon::runtime
