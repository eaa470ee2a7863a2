// gpgme wrapper: private verification homes, opaque sign/verify.

#include "image/signature/gpg.h"

#include <gpgme.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "base/limits.h"

namespace cocoon::image {
namespace {

std::string GpgError(std::string_view what, gpgme_error_t err) {
  return std::string(what) + ": " + gpgme_strerror(err);
}

void InitGpgme() {
  static std::once_flag once;
  std::call_once(once, [] {
    gpgme_check_version(nullptr);
    gpgme_set_locale(nullptr, LC_CTYPE, "C");
  });
}

struct DataDeleter {
  void operator()(gpgme_data_t d) const { gpgme_data_release(d); }
};
using DataPtr = std::unique_ptr<gpgme_data, DataDeleter>;
struct CtxDeleter {
  void operator()(gpgme_ctx_t c) const { gpgme_release(c); }
};
using CtxPtr = std::unique_ptr<gpgme_context, CtxDeleter>;

Result<DataPtr> DataFrom(ByteSpan bytes) {
  gpgme_data_t d = nullptr;
  gpgme_error_t err =
      gpgme_data_new_from_mem(&d, reinterpret_cast<const char*>(bytes.data()), bytes.size(), 1);
  if (err) return Internal(GpgError("gpgme_data_new_from_mem", err));
  return DataPtr(d);
}

Result<DataPtr> EmptyData() {
  gpgme_data_t d = nullptr;
  if (gpgme_error_t err = gpgme_data_new(&d)) return Internal(GpgError("gpgme_data_new", err));
  return DataPtr(d);
}

Result<Bytes> DataBytes(gpgme_data_t d, size_t max_bytes) {
  size_t len = 0;
  char* buf = gpgme_data_release_and_get_mem(d, &len);
  Bytes out(buf, buf + len);
  gpgme_free(buf);
  if (len > max_bytes) return ResourceExhausted("signed data larger than the signature limit");
  return out;
}

Result<CtxPtr> NewContext(const std::string& home) {
  InitGpgme();
  gpgme_ctx_t ctx = nullptr;
  if (gpgme_error_t err = gpgme_new(&ctx)) return Internal(GpgError("gpgme_new", err));
  CtxPtr owned(ctx);
  if (gpgme_error_t err = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, nullptr,
                                                    home.empty() ? nullptr : home.c_str())) {
    return Internal(GpgError("gpgme_ctx_set_engine_info", err));
  }
  gpgme_set_armor(ctx, 0);
  if (gpgme_error_t err = gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK)) {
    return Internal(GpgError("gpgme_set_pinentry_mode", err));
  }
  return owned;
}

Result<std::string> MakeHome() {
  const char* tmp = getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/cocoon-gpg-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) return Internal("cannot create a temporary GNUPGHOME");
  // Verification needs no secret keys: never start a gpg-agent or dirmngr for this home.
  std::ofstream conf(templ + "/gpg.conf");
  conf << "no-autostart\ntrust-model always\nno-auto-check-trustdb\n";
  if (!conf) return Internal("cannot write gpg.conf in the temporary GNUPGHOME");
  return templ;
}

}  // namespace

struct GpgVerifier::Ctx {
  CtxPtr ctx;
};

GpgVerifier::GpgVerifier(std::string home, std::unique_ptr<Ctx> ctx)
    : home_(std::move(home)), ctx_(std::move(ctx)) {}

GpgVerifier::~GpgVerifier() {
  ctx_.reset();
  // After a failed operation gpgme may return before its gpg child has exited, and that child
  // can still create files in the home while it is being removed: retry until it is gone.
  std::error_code ec;
  for (int i = 0; i < 1000 && std::filesystem::exists(home_, ec); ++i) {
    std::filesystem::remove_all(home_, ec);
  }
}

Result<std::unique_ptr<GpgVerifier>> GpgVerifier::Create(const std::vector<Bytes>& keyrings) {
  ASSIGN_OR_RETURN(std::string home, MakeHome());
  auto ctx = std::make_unique<Ctx>();
  std::unique_ptr<GpgVerifier> v(new GpgVerifier(home, std::move(ctx)));
  ASSIGN_OR_RETURN(v->ctx_->ctx, NewContext(home));
  for (const Bytes& keyring : keyrings) {
    ASSIGN_OR_RETURN(DataPtr data, DataFrom(keyring));
    if (gpgme_error_t err = gpgme_op_import(v->ctx_->ctx.get(), data.get())) {
      return InvalidArgument(GpgError("importing GPG keys", err));
    }
    gpgme_import_result_t res = gpgme_op_import_result(v->ctx_->ctx.get());
    size_t before = v->fingerprints_.size();
    for (gpgme_import_status_t s = res ? res->imports : nullptr; s; s = s->next) {
      if (s->result == 0 && s->fpr) v->fingerprints_.push_back(s->fpr);
    }
    if (v->fingerprints_.size() == before) {
      return InvalidArgument("GPG key material contains no usable key");
    }
  }
  TRY(v->ListSubkeys());
  return v;
}

// Maps every subkey fingerprint to its primary key, listing the home to completion (so no gpg
// process outlives the call).
Status GpgVerifier::ListSubkeys() {
  gpgme_ctx_t ctx = ctx_->ctx.get();
  if (gpgme_error_t err = gpgme_op_keylist_start(ctx, nullptr, 0)) {
    return Internal(GpgError("gpgme_op_keylist_start", err));
  }
  gpgme_key_t key = nullptr;
  while (gpgme_op_keylist_next(ctx, &key) == 0) {
    if (key->subkeys && key->subkeys->fpr) {
      for (gpgme_subkey_t sub = key->subkeys; sub; sub = sub->next) {
        if (sub->fpr) primary_of_[sub->fpr] = key->subkeys->fpr;
      }
    }
    gpgme_key_unref(key);
  }
  gpgme_op_keylist_end(ctx);
  return Ok();
}

Result<GpgVerified> GpgVerifier::Verify(ByteSpan signature) const {
  if (signature.size() > limits::kSignatureMaxBytes) {
    return ResourceExhausted("GPG signature larger than the signature limit");
  }
  gpgme_ctx_t ctx = ctx_->ctx.get();
  ASSIGN_OR_RETURN(DataPtr sig, DataFrom(signature));
  ASSIGN_OR_RETURN(DataPtr plain, EmptyData());
  if (gpgme_error_t err = gpgme_op_verify(ctx, sig.get(), nullptr, plain.get())) {
    return Unauthenticated(GpgError("Invalid GPG signature", err));
  }
  gpgme_verify_result_t res = gpgme_op_verify_result(ctx);
  if (!res || !res->signatures || res->signatures->next) {
    return Unauthenticated("Invalid GPG signature: expected exactly one signature");
  }
  gpgme_signature_t s = res->signatures;
  constexpr unsigned kBad = GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_REVOKED | GPGME_SIGSUM_KEY_EXPIRED |
                            GPGME_SIGSUM_SIG_EXPIRED | GPGME_SIGSUM_KEY_MISSING;
  if (gpgme_err_code(s->status) != GPG_ERR_NO_ERROR || s->validity == GPGME_VALIDITY_NEVER ||
      s->wrong_key_usage || (s->summary & kBad) != 0 || !s->fpr) {
    return Unauthenticated(GpgError("Invalid GPG signature",
                                    s->status ? s->status : gpgme_error(GPG_ERR_BAD_SIGNATURE)));
  }
  // The signing (sub)key's primary key must be one of the imported keys.
  auto primary = primary_of_.find(s->fpr);
  if (primary == primary_of_.end()) {
    return Unauthenticated("GPG signature by unexpected key " + std::string(s->fpr));
  }
  const std::string& signer = primary->second;
  ASSIGN_OR_RETURN(Bytes payload, DataBytes(plain.release(), limits::kSignatureMaxBytes));
  return GpgVerified{std::move(payload), signer};
}

Result<Bytes> GpgSign(const std::string& fingerprint, const std::string& gnupg_home,
                      ByteSpan payload) {
  ASSIGN_OR_RETURN(CtxPtr ctx, NewContext(gnupg_home));
  gpgme_key_t key = nullptr;
  if (gpgme_get_key(ctx.get(), fingerprint.c_str(), &key, 1) != 0 || !key) {
    return NotFound("no GPG secret key " + fingerprint);
  }
  gpgme_error_t err = gpgme_signers_add(ctx.get(), key);
  gpgme_key_unref(key);
  if (err) return Internal(GpgError("gpgme_signers_add", err));
  ASSIGN_OR_RETURN(DataPtr plain, DataFrom(payload));
  ASSIGN_OR_RETURN(DataPtr sig, EmptyData());
  if ((err = gpgme_op_sign(ctx.get(), plain.get(), sig.get(), GPGME_SIG_MODE_NORMAL))) {
    return Internal(GpgError("GPG signing with " + fingerprint, err));
  }
  return DataBytes(sig.release(), limits::kSignatureMaxBytes);
}

}  // namespace cocoon::image
