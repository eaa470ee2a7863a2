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
#include "crypto/random.h"
#include "image/copy.h"
#include "image/inspect.h"
#include "image/ocicrypt/encrypt_image.h"
#include "image/sample_image.h"
#include "image/signature/cosign_registry.h"
#include "image/signature/lookaside.h"
#include "image/signature/signature_policy.h"
#include "image/transport_ref.h"
#include "kbs/admin_client.h"

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

Result<crypto::SecretBytes> MakeKek(const EncryptionKeySpec& spec) {
  if (spec.keypath.empty()) {
    crypto::SecretBytes kek(kSymKeyBytes);
    TRY(crypto::RandomFill(kek.mutable_span()));
    return kek;
  }
  ASSIGN_OR_RETURN(std::string raw, base::ReadFile(spec.keypath, "KEK file", 1024));
  crypto::SecretBytes kek = crypto::SecretBytes::FromString(raw);
  if (kek.size() != kSymKeyBytes) {
    return InvalidArgument("KEK file " + spec.keypath + ": must hold exactly 32 bytes");
  }
  return kek;
}

Status WriteKeyFile(const std::string& path, const crypto::SecretBytes& kek) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return FailedPrecondition("--key-output " + path + ": cannot create (exists?)");
  bool ok = ::write(fd, kek.data(), kek.size()) == static_cast<ssize_t>(kek.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) return Internal("--key-output " + path + ": write failed");
  return Ok();
}

Result<kbs::AdminClient> KbsAdmin(const EncryptFlags& f) {
  kbs::AdminClientOptions o;
  o.url = f.kbs_url;
  o.ca_file = f.kbs_cacert;
  if (!f.admin_key.empty()) {
    ASSIGN_OR_RETURN(std::string pem, base::ReadFile(f.admin_key, "admin key"));
    ASSIGN_OR_RETURN(o.key, crypto::PrivateKey::FromPem(pem));
  }
  return kbs::AdminClient(std::move(o));
}

// Before anything is pushed: a key the KBS already holds at `kid` is never replaced silently
// (images encrypted with it would no longer decrypt). Returns whether one is there.
Result<bool> CheckKbsKey(kbs::AdminClient& admin, const EncryptFlags& f, const std::string& kid) {
  ASSIGN_OR_RETURN(std::string path, KbsResourcePath(kid));
  auto exists = admin.ResourceExists(path);
  if (!exists && exists.error().code() == Code::kUnimplemented && f.replace_key) return true;
  if (!exists) {
    std::string hint = exists.error().code() == Code::kUnimplemented
                           ? "; pass --replace-key to store the key regardless"
                           : "";
    return std::unexpected(
        Error(exists.error().code(),
              "checking the KBS for a key at " + kid + ": " + exists.error().message() + hint));
  }
  if (*exists && !f.replace_key) {
    return FailedPrecondition(
        "the KBS already holds a key at " + kid +
        " (images encrypted earlier need it): pass --replace-key to replace it (those images "
        "will no longer decrypt), or choose another key id");
  }
  return *exists;
}

// After the push: stores the KEK (create-only unless --replace-key) and says what it did.
Status StoreKbsKey(kbs::AdminClient& admin, const EncryptFlags& f, const std::string& kid,
                   const crypto::SecretBytes& kek, bool existed) {
  ASSIGN_OR_RETURN(std::string path, KbsResourcePath(kid));
  auto st =
      f.replace_key ? admin.SetResource(path, kek.span()) : admin.CreateResource(path, kek.span());
  if (!st && st.error().code() == Code::kFailedPrecondition) {
    return FailedPrecondition("another key was stored at " + kid +
                              " while the image was pushed; it was kept, and the image just "
                              "pushed cannot be decrypted: encrypt again with --replace-key or "
                              "another key id");
  }
  if (!st) {
    return std::unexpected(st.error().WithContext(
        "the image was pushed, but storing its key at " + kid +
        " failed, so it cannot be decrypted; fix the KBS and encrypt again"));
  }
  if (existed) {
    std::cout << "replaced the key the KBS held at " << kid
              << " (--replace-key): images encrypted with the old key no longer decrypt\n";
  } else {
    std::cout << "KEK stored in the KBS as " << kid << "\n";
  }
  return Ok();
}

Status CheckEncryptFlags(const EncryptFlags& f, size_t kek_count) {
  if (kek_count > 0 && f.kbs_url.empty() && f.key_output.empty()) {
    return InvalidArgument("a provider key needs --kbs URL (store the KEK) or --key-output FILE");
  }
  if (kek_count > 1 && f.kbs_url.empty()) {
    return InvalidArgument("--key-output holds one KEK; use --kbs with several provider keys");
  }
  if (f.replace_key && f.kbs_url.empty()) {
    return InvalidArgument("--replace-key applies to keys stored in a KBS (--kbs URL)");
  }
  if (kek_count > 0 && f.kbs_url.empty() && ::access(f.key_output.c_str(), F_OK) == 0) {
    return FailedPrecondition("--key-output " + f.key_output +
                              " exists; it is never overwritten: choose a new file");
  }
  return Ok();
}

// Keys are stored only once the encrypted image is pushed: a failed push leaves the KBS (and
// --key-output) as they were.
Status RunEncrypt(const EncryptFlags& f) {
  std::vector<Recipient> recipients;
  std::vector<std::pair<std::string, crypto::SecretBytes>> keks;
  bool generated = false;  // a KEK made here must be kept somewhere; a keypath= KEK already is
  for (const std::string& arg : f.keys) {
    ASSIGN_OR_RETURN(EncryptionKeySpec spec, ParseEncryptionKey(arg));
    if (spec.jwe) {
      recipients.push_back(Recipient::Jwe(std::move(*spec.jwe)));
      continue;
    }
    generated = generated || spec.keypath.empty();
    ASSIGN_OR_RETURN(crypto::SecretBytes kek, MakeKek(spec));
    recipients.push_back(Recipient::AttestationAgent(spec.kid, kek.Clone()));
    keks.emplace_back(spec.kid, std::move(kek));
  }
  if (generated && f.kbs_url.empty() && f.key_output.empty()) {
    return InvalidArgument(
        "a generated KEK needs --kbs URL (store it) or --key-output FILE (or give your own with "
        "provider:attestation-agent:keyid=kbs:///…::keypath=FILE)");
  }
  if (f.kbs_url.empty() && f.key_output.empty()) keks.clear();  // all from keypath= files
  TRY(CheckEncryptFlags(f, keks.size()));
  ASSIGN_OR_RETURN(auto src, OpenImageSource(f.src, f.src_reg.Options()));
  ASSIGN_OR_RETURN(auto dst, OpenImageDestination(f.dst, f.dst_reg.Options()));
  CopyOptions copy{.transform = MakeEncryptTransform(std::move(recipients)),
                   .check = CheckEncryptable};
  ASSIGN_OR_RETURN(copy.platform, PlatformOf(f.platform));
  ASSIGN_OR_RETURN(ResolvedImage image, ResolveImage(*src, copy.platform));
  TRY(CheckEncryptable(image.manifest));
  std::optional<kbs::AdminClient> admin;
  std::vector<bool> existed;
  if (!keks.empty() && !f.kbs_url.empty()) {
    ASSIGN_OR_RETURN(admin, KbsAdmin(f));
    for (const auto& [kid, kek] : keks) {
      ASSIGN_OR_RETURN(bool there, CheckKbsKey(*admin, f, kid));
      existed.push_back(there);
    }
  }
  ASSIGN_OR_RETURN(CopyResult result, CopyImage(*src, *dst, copy));
  std::cout << "encrypted " << result.manifest.layers.size() << " layer(s): " << dst->Name() << "@"
            << result.manifest_digest.String() << "\n";
  for (size_t i = 0; i < keks.size(); ++i) {
    const auto& [kid, kek] = keks[i];
    if (admin) {
      TRY(StoreKbsKey(*admin, f, kid, kek, existed[i]));
      continue;
    }
    TRY(WriteKeyFile(f.key_output, kek));
    std::cout << "KEK for " << kid << " written to " << f.key_output << "\n";
  }
  return Ok();
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
