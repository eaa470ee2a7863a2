// EncryptAndStoreKeys (see encrypt_and_store.h).
#include "owner/encrypt_and_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <utility>

#include "base/file.h"
#include "crypto/random.h"
#include "image/copy.h"
#include "image/ocicrypt/encrypt_image.h"
#include "kbs/admin_client.h"

namespace cocoon::owner {
namespace {

using namespace cocoon::image;

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

Result<kbs::AdminClient> KbsAdmin(const EncryptRequest& f) {
  kbs::AdminClientOptions o;
  o.url = f.kbs_url;
  o.ca_file = f.kbs_cacert;
  TRY(kbs::LoadAdminKey(f.admin_key, o));
  return kbs::AdminClient(std::move(o));
}

// Before anything is pushed: a key the KBS already holds at `kid` is never replaced silently
// (images encrypted with it would no longer decrypt). Returns whether one is there.
Result<bool> CheckKbsKey(kbs::AdminClient& admin, const EncryptRequest& f, const std::string& kid) {
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
Status StoreKbsKey(kbs::AdminClient& admin, const EncryptRequest& f, const std::string& kid,
                   const crypto::SecretBytes& kek, bool existed, std::ostream& out) {
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
    out << "replaced the key the KBS held at " << kid
        << " (--replace-key): images encrypted with the old key no longer decrypt\n";
  } else {
    out << "KEK stored in the KBS as " << kid << "\n";
  }
  return Ok();
}

Status CheckEncryptFlags(const EncryptRequest& f, size_t kek_count) {
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
}  // namespace

Status EncryptAndStoreKeys(const EncryptRequest& f, std::ostream& out) {
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
  ASSIGN_OR_RETURN(auto src, OpenImageSource(f.src, f.src_registry));
  ASSIGN_OR_RETURN(auto dst, OpenImageDestination(f.dst, f.dst_registry));
  CopyOptions copy{.transform = MakeEncryptTransform(std::move(recipients)),
                   .check = CheckEncryptable};
  ASSIGN_OR_RETURN(copy.platform, f.platform.empty() ? HostPlatform() : ParsePlatform(f.platform));
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
  out << "encrypted " << result.manifest.layers.size() << " layer(s): " << dst->Name() << "@"
      << result.manifest_digest.String() << "\n";
  for (size_t i = 0; i < keks.size(); ++i) {
    const auto& [kid, kek] = keks[i];
    if (admin) {
      TRY(StoreKbsKey(*admin, f, kid, kek, existed[i], out));
      continue;
    }
    TRY(WriteKeyFile(f.key_output, kek));
    out << "KEK for " << kid << " written to " << f.key_output << "\n";
  }
  return Ok();
}

}  // namespace cocoon::owner
