// DemoEnv (see demo_env.h): keys, cocoon-kbs and docker-registry for `cocoon demo`.
#include "runtime/demo_env.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "crypto/keys.h"
#include "net/loopback.h"
#include "runtime/owned_process.h"

namespace cocoon::runtime {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr fs::perms kOwnerOnly = fs::perms::owner_read | fs::perms::owner_write;

// <name>.key (PKCS#8, 0600) and <name>.pub (SPKI PEM) of a fresh key of `type`.
Status KeyPair(const DemoEnv& env, const std::string& name, crypto::KeyType type) {
  ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(type));
  ASSIGN_OR_RETURN(auto pem, key.ToPem());
  TRY(WriteDemoFile(env.File(name + ".key"),
                    std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size())));
  ASSIGN_OR_RETURN(std::string pub, key.public_key().ToPem());
  return WriteDemoFile(env.File(name + ".pub"), pub);
}

// The demo's KBS: plain HTTP on a free loopback port, the admin key above, SQLite in the work
// directory, the sample TEE allowed and resources released only to "affirming" evidence.
std::string KbsConfig(const DemoEnv& env) {
  return R"([http_server]
sockets = ["127.0.0.1:0"]
insecure_http = true

[attestation_service]
type = "coco_as_builtin"
# The demo's pod VM has no hardware TEE: it attests with the sample TEE, whose evidence proves
# nothing. Accepted here only because this KBS is the demo's own, on 127.0.0.1; never in production.
insecure_sample_tee = true

[admin]
authorization_mode = "AuthenticatedAuthorization"
[admin.authentication.bearer_jwt]
identity_providers = [ { public_key_uri = ")" +
         env.File("admin.pub") + R"(" } ]
[admin.authorization.regex_acl]
acls = [ { role = "admin", allowed_endpoints = "^/kbs/.+$" } ]

[storage_backend]
storage_type = "Sqlite"
[storage_backend.backends.sqlite]
path = ")" +
         env.File("kbs.sqlite") +
         R"("

# Release resources only to evidence the attestation service appraises as "affirming": for the
# sample TEE that needs its reference values registered (the demo does that).
[policy_engine]
builtin = "affirming"
)";
}

}  // namespace

Status WriteDemoFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return Internal("cannot write " + path);
  std::error_code ec;
  fs::permissions(path, kOwnerOnly, ec);
  return Ok();
}

DemoEnv::DemoEnv(DemoEnvOptions options) : options_(std::move(options)) {}

DemoEnv::~DemoEnv() {
  registry_.reset();
  kbs_.reset();
  std::error_code ec;
  if (!dir_.empty() && !options_.keep) fs::remove_all(dir_, ec);
}

std::string DemoEnv::registry() const { return "127.0.0.1:" + std::to_string(registry_port_); }

Status DemoEnv::Start() {
  std::string tmpl = (fs::temp_directory_path() / "cocoon-demo-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return Internal("cannot create a demo directory");
  dir_ = tmpl;
  std::fprintf(stderr, "demo: working in %s\n", dir_.c_str());
  TRY(KeyPairs());
  TRY(StartKbs());
  TRY(StartRegistry());
  return Ok();
}

Status DemoEnv::KeyPairs() {
  TRY(KeyPair(*this, "admin", crypto::KeyType::kEd25519));    // the KBS administrator
  return KeyPair(*this, "cosign", crypto::KeyType::kEcP256);  // the image signer
}

Status DemoEnv::StartKbs() {
  TRY(WriteDemoFile(File("kbs.toml"), KbsConfig(*this)));
  const std::string& kbs_bin = options_.kbs_binary;
  if (!fs::exists(kbs_bin)) return NotFound(kbs_bin + " is missing (build or install it)");
  ASSIGN_OR_RETURN(auto p, internal::OwnedProcess::Spawn(
                               {kbs_bin, "--config-file", File("kbs.toml")}, File("kbs.log")));
  kbs_ = std::make_unique<internal::OwnedProcess>(std::move(p));
  for (int i = 0; i < 200; ++i) {
    auto log = base::ReadFile(File("kbs.log"), "kbs log");
    if (log) {
      auto at = log->find("listening on http://");
      if (at != std::string::npos) {
        auto end = log->find_first_of(" \n", at + 13);
        kbs_url_ = log->substr(at + 13, end - at - 13);
        std::fprintf(stderr, "demo: key broker (cocoon-kbs, SQLite) at %s\n", kbs_url_.c_str());
        return Ok();
      }
    }
    if (kbs_->Wait(milliseconds(50))) break;
  }
  auto log = base::ReadFile(File("kbs.log"), "kbs log");
  return Unavailable("cocoon-kbs did not start: " + (log ? *log : std::string()));
}

Status DemoEnv::StartRegistry() {
  const std::string& bin = options_.registry_binary;
  if (!fs::exists(bin)) {
    return NotFound("docker-registry is not installed (scripts/setup installs it)");
  }
  ASSIGN_OR_RETURN(registry_port_, net::FreeLoopbackPort());
  std::string yml = "version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: " +
                    File("registry") +
                    "}}\nhttp: {addr: 127.0.0.1:" + std::to_string(registry_port_) + "}\n";
  TRY(WriteDemoFile(File("registry.yml"), yml));
  ASSIGN_OR_RETURN(auto p, internal::OwnedProcess::Spawn({bin, "serve", File("registry.yml")},
                                                         File("registry.log")));
  registry_ = std::make_unique<internal::OwnedProcess>(std::move(p));
  for (int i = 0; i < 200; ++i) {
    if (net::LoopbackPortAccepts(registry_port_)) {
      std::fprintf(stderr, "demo: registry (docker-registry) at %s\n", registry().c_str());
      return Ok();
    }
    if (registry_->Wait(milliseconds(50))) break;
  }
  auto log = base::ReadFile(File("registry.log"), "registry log");
  return Unavailable("docker-registry did not start: " + (log ? *log : std::string()));
}

}  // namespace cocoon::runtime
