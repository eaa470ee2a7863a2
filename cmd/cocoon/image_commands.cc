// `cocoon image pull | unpack`: images into the local content store or into an OCI runtime
// bundle, with signature policy, layer decryption (local keys or the KBS key provider) and safe
// unpack. Flags follow skopeo's (`--tls-verify=false`, `--authfile`, `--policy`,
// `--registries.d`, `--decryption-key`).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "base/file.h"
#include "cmd/cocoon/commands.h"
#include "guest/kbs_client.h"
#include "guest/kbs_key_provider.h"
#include "image/puller.h"
#include "image/signature/cosign_registry.h"
#include "image/signature/lookaside.h"
#include "image/signature/registries_d.h"
#include "image/transport_ref.h"
#include "tee/sample/sample.h"

namespace cocoon::cli {
namespace {

struct PullFlags {
  std::vector<std::string> decryption_keys;
  std::string kbs_url;
  std::string kbs_cacert;
  std::string policy;
  bool insecure_policy = false;
  std::string registries_d;
  std::string authfile;
  bool tls_verify = true;
  std::string platform;
  std::string store;
  std::string unpack_dir;
  std::string source;
  bool quiet = false;
  image::UnpackOptions unpack;  // the tar-bomb limits (docs/security.md)
};

int Fail(const Error& e) {
  std::fprintf(stderr, "cocoon: %s\n", e.ToString().c_str());
  return 1;
}

// $COCOON_STORE, else /var/lib/cocoon/store for root, else $XDG_DATA_HOME/cocoon/store.
std::string DefaultStore() {
  if (const char* s = std::getenv("COCOON_STORE"); s && *s) return s;
  if (::geteuid() == 0) return "/var/lib/cocoon/store";
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
    return std::string(x) + "/cocoon/store";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.local/share/cocoon/store";
}

// The signature policy as skopeo finds it: --policy, else /etc/containers/policy.json; none is
// an error unless --insecure-policy.
Result<std::optional<image::ContainersPolicy>> LoadSignaturePolicy(const PullFlags& f) {
  if (f.insecure_policy) return std::optional<image::ContainersPolicy>();
  std::string path = f.policy;
  if (path.empty()) {
    path = "/etc/containers/policy.json";
    if (!std::filesystem::exists(path)) {
      return FailedPrecondition(
          "no signature policy: pass --policy FILE (containers-policy.json) or "
          "--insecure-policy to pull without checking signatures");
    }
  }
  ASSIGN_OR_RETURN(image::ContainersPolicy p, image::LoadPolicy(path));
  return std::optional<image::ContainersPolicy>(std::move(p));
}

Result<image::RegistriesConfig> LoadRegistries(const PullFlags& f) {
  std::string dir = f.registries_d.empty() ? "/etc/containers/registries.d" : f.registries_d;
  auto cfg = image::RegistriesConfig::LoadDir(dir);
  if (!cfg && cfg.error().code() == Code::kNotFound && f.registries_d.empty()) {
    return image::RegistriesConfig();
  }
  return cfg;
}

Result<image::DecryptionKeys> LoadKeys(const PullFlags& f) {
  image::DecryptionKeys keys;
  for (const auto& path : f.decryption_keys) {
    ASSIGN_OR_RETURN(std::string pem, base::ReadFile(path, "decryption key"));
    auto st = keys.AddPrivateKeyPem(pem);
    if (!st) return std::unexpected(st.error().WithContext(path));
  }
  if (!f.kbs_url.empty()) {
    guest::KbsClientOptions o;
    o.url = f.kbs_url;
    o.ca_file = f.kbs_cacert;
    ASSIGN_OR_RETURN(auto client,
                     guest::KbsClient::Create(std::move(o), tee::sample::NewAttester()));
    keys.provider = std::make_shared<guest::KbsKeyProvider>(std::move(client));
  }
  return keys;
}

int RunPull(const PullFlags& f, bool to_bundle) {
  image::RegistryOptions ro;
  ro.authfile = f.authfile;
  ro.tls_verify = f.tls_verify;
  image::PullOptions po;
  if (!f.platform.empty()) {
    auto p = image::ParsePlatform(f.platform);
    if (!p) return Fail(p.error());
    po.platform = *p;
  }
  auto policy = LoadSignaturePolicy(f);
  if (!policy) return Fail(policy.error());
  auto registries = LoadRegistries(f);
  if (!registries) return Fail(registries.error());
  image::LookasideSignatureProvider signatures(std::move(*registries),
                                               image::MakeRegistryCosignFetcher(ro));
  if (*policy) {
    po.policy = &**policy;
    po.signatures = &signatures;
  }
  auto source_ref = image::ParseTransportRef(f.source);
  if (!source_ref) return Fail(source_ref.error());
  po.identity = image::ImageIdentity::Of(*source_ref);
  auto keys = LoadKeys(f);
  if (!keys) return Fail(keys.error());
  po.keys = &*keys;
  po.store_dir = f.store.empty() ? DefaultStore() : f.store;
  po.unpack.max_bytes = f.unpack.max_bytes;
  po.unpack.max_entries = f.unpack.max_entries;
  po.unpack.max_depth = f.unpack.max_depth;
  if (!f.quiet) po.progress = [](std::string_view line) { std::cerr << line << "\n"; };

  auto source = image::OpenImageSource(*source_ref, ro);
  if (!source) return Fail(source.error());
  if (to_bundle) {
    auto r = image::PullToBundle(**source, f.unpack_dir, po);
    if (!r) return Fail(r.error());
    std::cout << r->manifest_digest.String() << "\n";
    return 0;
  }
  std::string tag = po.identity.transport == "docker" ? po.identity.Reference() : f.source;
  auto digest = image::PullToStore(**source, po.store_dir, tag, po);
  if (!digest) return Fail(digest.error());
  std::cout << digest->String() << "\n";
  return 0;
}

void AddPullFlags(CLI::App* c, PullFlags* f) {
  c->add_option("--decryption-key", f->decryption_keys,
                "private key (PEM, RSA or EC) for JWE-wrapped layer keys; repeatable");
  c->add_option("--kbs", f->kbs_url,
                "KBS URL: attest (sample attester) and fetch kbs:/// layer keys from it");
  c->add_option("--kbs-cacert", f->kbs_cacert, "PEM CA certificate for an HTTPS KBS");
  c->add_option("--policy", f->policy,
                "containers-policy.json (default /etc/containers/policy.json)");
  c->add_flag("--insecure-policy", f->insecure_policy, "do not check signatures");
  c->add_option("--registries.d", f->registries_d,
                "registries.d directory (lookaside signature stores)");
  c->add_option("--authfile", f->authfile, "containers auth.json with registry credentials");
  c->add_option("--tls-verify", f->tls_verify,
                "verify registry TLS; false also allows plain HTTP (skopeo semantics)")
      ->default_str("true");
  c->add_option("--platform", f->platform, "OS/ARCH[/VARIANT] to pick from an index");
  c->add_option("--store", f->store,
                "content store (OCI layout; default $COCOON_STORE, /var/lib/cocoon/store as "
                "root, else ~/.local/share/cocoon/store)");
  c->add_flag("-q,--quiet", f->quiet, "no progress on stderr");
  c->add_option("--max-unpacked-bytes", f->unpack.max_bytes,
                "refuse a layer whose files add up to more bytes than this")
      ->capture_default_str();
  c->add_option("--max-entries", f->unpack.max_entries,
                "refuse a layer with more tar entries than this")
      ->capture_default_str();
  c->add_option("--max-path-depth", f->unpack.max_depth,
                "refuse a layer with a path deeper than this many components")
      ->capture_default_str();
}

}  // namespace

CLI::App* AddImageCommands(CLI::App& app, int* exit_code) {
  auto* image = app.add_subcommand(
      "image", "Encrypted, signed OCI images: pull, unpack, inspect, encrypt, sign, verify");
  image->require_subcommand(1);

  auto pull_flags = std::make_shared<PullFlags>();
  auto* pull = image->add_subcommand(
      "pull",
      "Pull docker://REF or oci:DIR[:TAG] into the content store, or with --unpack DIR into an "
      "OCI runtime bundle (DIR/rootfs + DIR/config.json); prints the manifest digest");
  AddPullFlags(pull, pull_flags.get());
  pull->add_option("--unpack", pull_flags->unpack_dir, "write the runtime bundle here");
  pull->add_option("source", pull_flags->source, "docker://REF or oci:DIR[:TAG]")->required();
  pull->callback([pull_flags, exit_code] {
    *exit_code = RunPull(*pull_flags, !pull_flags->unpack_dir.empty());
  });

  auto unpack_flags = std::make_shared<PullFlags>();
  auto* unpack = image->add_subcommand(
      "unpack", "Unpack SRC (docker://REF or oci:DIR[:TAG]) into the runtime bundle DIR");
  AddPullFlags(unpack, unpack_flags.get());
  unpack->add_option("source", unpack_flags->source, "docker://REF or oci:DIR[:TAG]")->required();
  unpack->add_option("dir", unpack_flags->unpack_dir, "bundle directory (must not exist)")
      ->required();
  unpack->callback([unpack_flags, exit_code] { *exit_code = RunPull(*unpack_flags, true); });
  return image;
}

}  // namespace cocoon::cli
