// `cocoon image encrypt|sign|verify|inspect`: creating, signing and checking encrypted OCI images
// in skopeo's conventions (docker://REF, oci:DIR[:TAG]). Key files and the policy are the user's;
// registry and layout content is untrusted and handled by the image library.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>

#include "base/file.h"
#include "cmd/cocoon/commands.h"
#include "image/copy.h"
#include "image/inspect.h"
#include "image/sample_image.h"
#include "image/signature/cosign_registry.h"
#include "image/signature/lookaside.h"
#include "image/signature/signature_policy.h"
#include "image/transport_ref.h"
#include "owner/encrypt_and_store.h"

namespace cocoon::cli {
namespace {

using namespace cocoon::image;

constexpr const char* kDefaultRegistriesD = "/etc/containers/registries.d";

int Fail(const Error& e) {
  std::fprintf(stderr, "cocoon: %s\n", e.ToString().c_str());
  return 1;
}

struct RegistryFlags {
  bool tls_verify = true;
  std::string authfile;
  RegistryOptions Options() const {
    RegistryOptions o;
    o.authfile = authfile;
    o.tls_verify = tls_verify;
    return o;
  }
};

void AddRegistryFlags(CLI::App* c, RegistryFlags* f, const std::string& prefix = "") {
  c->add_flag(
      "--" + prefix + "tls-verify", f->tls_verify,
      "require HTTPS and verify certificates (--" + prefix + "tls-verify=false: also plain HTTP)");
  c->add_option("--authfile", f->authfile, "containers auth.json with registry credentials");
}

Result<Platform> PlatformOf(const std::string& text) {
  return text.empty() ? HostPlatform() : ParsePlatform(text);
}

// A docker:// transport reference, parsed.
Result<Reference> DockerRef(std::string_view transport_ref) {
  auto t = ParseTransportRef(transport_ref);
  if (!t || !t->is_docker()) {
    return InvalidArgument("image '" + std::string(transport_ref) +
                           "': this command needs a docker://REF");
  }
  return t->DockerReference();
}

Result<RegistriesConfig> LoadRegistriesD(const std::string& dir) {
  auto config = RegistriesConfig::LoadDir(dir.empty() ? kDefaultRegistriesD : dir);
  if (!config && dir.empty() && config.error().code() == Code::kNotFound) {
    return RegistriesConfig();
  }
  return config;
}

// ---- encrypt ------------------------------------------------------------------------------

struct EncryptFlags {
  std::vector<std::string> keys;
  std::string kbs_url, admin_key, kbs_cacert, key_output, platform, src, dst;
  bool replace_key = false;
  RegistryFlags src_reg, dst_reg;
};

Status RunEncrypt(const EncryptFlags& f) {
  owner::EncryptRequest r{.keys = f.keys,
                          .kbs_url = f.kbs_url,
                          .admin_key = f.admin_key,
                          .kbs_cacert = f.kbs_cacert,
                          .key_output = f.key_output,
                          .replace_key = f.replace_key,
                          .platform = f.platform,
                          .src = f.src,
                          .dst = f.dst,
                          .src_registry = f.src_reg.Options(),
                          .dst_registry = f.dst_reg.Options()};
  return owner::EncryptAndStoreKeys(r, std::cout);
}

void AddEncrypt(CLI::App* image, int* exit_code) {
  auto f = std::make_shared<EncryptFlags>();
  auto* c = image->add_subcommand("encrypt", "Copy an image, encrypting every layer (ocicrypt)");
  c->add_option("--encryption-key", f->keys,
                "jwe:PUB.pem (RSA/EC; repeatable) or provider:attestation-agent:kbs:///R/T/TAG")
      ->required();
  c->add_option("--kbs", f->kbs_url, "KBS URL: store generated KEKs there (admin API)");
  c->add_option("--admin-key", f->admin_key, "KBS admin private key (PEM, Ed25519 or P-256)");
  c->add_option("--kbs-cacert", f->kbs_cacert, "PEM CA certificate for an HTTPS KBS");
  c->add_option("--key-output", f->key_output, "write the KEK here (0600) instead of the KBS");
  c->add_flag("--replace-key", f->replace_key,
              "replace a key the KBS already holds at the key id (images encrypted with it will "
              "no longer decrypt); without it an existing key is an error");
  c->add_option("--platform", f->platform, "OS/ARCH[/VARIANT] to pick from an index");
  AddRegistryFlags(c, &f->src_reg, "src-");
  c->add_flag("--dest-tls-verify", f->dst_reg.tls_verify,
              "verify the destination registry (=false: also plain HTTP)");
  c->add_option("src", f->src, "docker://REF or oci:DIR[:TAG]")->required();
  c->add_option("dst", f->dst, "docker://REF or oci:DIR[:TAG]")->required();
  c->callback([f, exit_code] {
    f->dst_reg.authfile = f->src_reg.authfile;
    if (auto st = RunEncrypt(*f); !st) *exit_code = Fail(st.error());
  });
}

// ---- sign ---------------------------------------------------------------------------------

struct SignFlags {
  std::string key, gpg_key, gnupg_home, registries_d, identity, src;
  RegistryFlags reg;
};

Status RunSign(const SignFlags& f) {
  ASSIGN_OR_RETURN(Reference ref, DockerRef(f.src));
  ASSIGN_OR_RETURN(auto client, RegistryClient::Create(ref, f.reg.Options()));
  ASSIGN_OR_RETURN(RawManifest raw, client->GetManifest(ref.ManifestRef()));
  const Digest& digest = raw.digest;
  if (!f.key.empty()) {
    ASSIGN_OR_RETURN(std::string pem, base::ReadFile(f.key, "cosign key"));
    ASSIGN_OR_RETURN(crypto::PrivateKey key, LoadCosignPrivateKey(pem));
    std::string identity = f.identity.empty() ? ref.Repository() : f.identity;
    ASSIGN_OR_RETURN(CosignSignature sig, SignCosign(key, identity, digest));
    ASSIGN_OR_RETURN(std::string tag, PushCosignSignature(*client, digest, sig));
    std::cout << "signed " << digest.String() << " (cosign, identity " << identity
              << "): " << TransportRef::Docker(ref.Repository() + ":" + tag).String() << "\n";
    return Ok();
  }
  ASSIGN_OR_RETURN(RegistriesConfig config, LoadRegistriesD(f.registries_d));
  std::string identity = f.identity.empty() ? ref.String() : f.identity;
  ASSIGN_OR_RETURN(ImageIdentity id, ImageIdentity::Parse(ref.String()));
  ASSIGN_OR_RETURN(Bytes sig, SignSimple(f.gpg_key, f.gnupg_home, identity, digest));
  ASSIGN_OR_RETURN(std::string path, WriteLookasideSignature(config, id, digest, sig));
  std::cout << "signed " << digest.String() << " (gpg, identity " << identity << "): " << path
            << "\n";
  return Ok();
}

void AddSign(CLI::App* image, int* exit_code) {
  auto f = std::make_shared<SignFlags>();
  auto* c = image->add_subcommand("sign", "Sign an image in a registry (cosign or GPG)");
  auto* key = c->add_option("--key", f->key, "cosign private key (unencrypted PEM)");
  auto* gpg = c->add_option("--gpg-key", f->gpg_key, "GPG key fingerprint (simple signing)");
  key->excludes(gpg);
  c->add_option("--gnupg-home", f->gnupg_home, "GNUPGHOME holding the secret key")->needs(gpg);
  c->add_option("--registries.d", f->registries_d, "registries.d directory (lookaside-staging)")
      ->needs(gpg);
  c->add_option("--identity", f->identity,
                "signed docker reference (default: cosign the repository, GPG the reference)");
  AddRegistryFlags(c, &f->reg);
  c->add_option("src", f->src, "docker://REF")->required();
  c->callback([f, exit_code] {
    if (f->key.empty() && f->gpg_key.empty()) {
      std::fprintf(stderr, "cocoon: image sign needs --key or --gpg-key\n");
      return void(*exit_code = 2);
    }
    if (auto st = RunSign(*f); !st) *exit_code = Fail(st.error());
  });
}

// ---- verify -------------------------------------------------------------------------------

struct VerifyFlags {
  std::string policy, registries_d, src;
  RegistryFlags reg;
};

Status RunVerify(const VerifyFlags& f) {
  ASSIGN_OR_RETURN(ContainersPolicy policy, LoadPolicy(f.policy));
  ASSIGN_OR_RETURN(RegistriesConfig config, LoadRegistriesD(f.registries_d));
  ASSIGN_OR_RETURN(Reference ref, DockerRef(f.src));
  ASSIGN_OR_RETURN(ImageIdentity id, ImageIdentity::Parse(ref.String()));
  ASSIGN_OR_RETURN(auto client, RegistryClient::Create(ref, f.reg.Options()));
  ASSIGN_OR_RETURN(RawManifest raw, client->GetManifest(ref.ManifestRef()));
  LookasideSignatureProvider signatures(std::move(config),
                                        MakeRegistryCosignFetcher(f.reg.Options()));
  TRY(EvaluatePolicy(policy, id, raw.bytes, signatures));
  std::cout << "accepted: " << ref.Repository() << "@" << raw.digest.String() << "\n";
  return Ok();
}

void AddVerify(CLI::App* image, int* exit_code) {
  auto f = std::make_shared<VerifyFlags>();
  auto* c = image->add_subcommand("verify", "Evaluate a containers-policy.json for an image");
  c->add_option("--policy", f->policy, "containers-policy.json")->required();
  c->add_option("--registries.d", f->registries_d, "registries.d directory (lookaside)");
  AddRegistryFlags(c, &f->reg);
  c->add_option("src", f->src, "docker://REF")->required();
  c->callback([f, exit_code] {
    if (auto st = RunVerify(*f); !st) *exit_code = Fail(st.error());
  });
}

// ---- inspect ------------------------------------------------------------------------------

struct InspectFlags {
  bool raw = false, config = false;
  std::string platform, src;
  RegistryFlags reg;
};

void WriteOut(ByteSpan bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  std::fflush(stdout);
}

Status RunInspect(const InspectFlags& f) {
  ASSIGN_OR_RETURN(auto src, OpenImageSource(f.src, f.reg.Options()));
  if (f.raw && !f.config) {
    ASSIGN_OR_RETURN(RawManifest raw, src->GetManifest(std::nullopt));
    WriteOut(raw.bytes);
    return Ok();
  }
  ASSIGN_OR_RETURN(Platform platform, PlatformOf(f.platform));
  if (f.config) {
    ASSIGN_OR_RETURN(ResolvedImage image, ResolveImage(*src, platform));
    BytesSink sink(limits::kImageConfigMaxBytes);
    TRY(src->FetchBlob(image.manifest.config, sink));
    WriteOut(sink.bytes());
    return Ok();
  }
  ASSIGN_OR_RETURN(OrderedJson summary, InspectImage(*src, platform));
  std::cout << summary.dump(4, ' ', false, OrderedJson::error_handler_t::replace) << "\n";
  return Ok();
}

void AddInspect(CLI::App* image, int* exit_code) {
  auto f = std::make_shared<InspectFlags>();
  auto* c = image->add_subcommand("inspect", "Show an image's manifest, config and layers");
  c->add_flag("--raw", f->raw, "print the manifest (or index) bytes as stored");
  c->add_flag("--config", f->config, "print the config blob");
  c->add_option("--platform", f->platform, "OS/ARCH[/VARIANT] to pick from an index");
  AddRegistryFlags(c, &f->reg);
  c->add_option("src", f->src, "docker://REF or oci:DIR[:TAG]")->required();
  c->callback([f, exit_code] {
    if (auto st = RunInspect(*f); !st) *exit_code = Fail(st.error());
  });
}

void AddSample(CLI::App* image, int* exit_code) {
  auto dir = std::make_shared<std::string>();
  auto tag = std::make_shared<std::string>("latest");
  auto* c = image->add_subcommand(
      "sample",
      "Write the demo's sample image (static busybox + /hello.sh) as an OCI layout into DIR and "
      "print its oci:DIR:TAG reference");
  c->add_option("dir", *dir, "output directory (created)")->required();
  c->add_option("--tag", *tag, "tag in the layout")->capture_default_str();
  c->callback([dir, tag, exit_code] {
    auto ref = image::BuildSampleImage(*dir, *tag);
    if (!ref) return void(*exit_code = Fail(ref.error()));
    std::printf("%s\n", ref->c_str());
  });
}

}  // namespace

void AddImageBuildCommands(CLI::App* image, int* exit_code) {
  AddSample(image, exit_code);
  AddEncrypt(image, exit_code);
  AddSign(image, exit_code);
  AddVerify(image, exit_code);
  AddInspect(image, exit_code);
}

}  // namespace cocoon::cli
