// JWE and key-provider wrapping of ocicrypt private options, and the unwrap loop over all
// wrapped keys of a layer. Failed attempts are collected as reasons, never as key material.
#include "image/ocicrypt/ocicrypt_keywrap.h"

#include "base/encoding.h"
#include "base/json.h"
#include "base/limits.h"
#include "jose/jwe_multi.h"

namespace cocoon::image {
namespace {

class JweKeyWrapper final : public KeyWrapper {
 public:
  explicit JweKeyWrapper(std::vector<crypto::PublicKey> r) : recipients_(std::move(r)) {}
  std::string AnnotationName() const override { return std::string(kEncKeysJwe); }
  Result<Bytes> Wrap(ByteSpan private_opts) const override {
    ASSIGN_OR_RETURN(OrderedJson jwe, jose::EncryptMultiRecipient(recipients_, private_opts));
    return ToBytes(base::DumpJson(jwe));
  }

 private:
  std::vector<crypto::PublicKey> recipients_;
};

class ProviderKeyWrapper final : public KeyWrapper {
 public:
  ProviderKeyWrapper(std::string kid, crypto::SecretBytes kek)
      : kid_(std::move(kid)), kek_(std::move(kek)) {}
  std::string AnnotationName() const override {
    return std::string(kEncKeysProviderPrefix) + std::string(kAttestationAgent);
  }
  Result<Bytes> Wrap(ByteSpan private_opts) const override {
    return WrapForKeyProvider(kid_, kek_, private_opts);
  }

 private:
  std::string kid_;
  crypto::SecretBytes kek_;
};

// Errors that mean "this wrapped key is not for the keys we hold": try the next one.
bool IsNoFit(const Error& e) {
  return e.code() == Code::kUnauthenticated || e.code() == Code::kInvalidArgument ||
         e.code() == Code::kNotFound || e.code() == Code::kUnimplemented;
}

struct Attempts {
  std::vector<std::string> reasons;
  void Add(std::string_view where, const Error& e) {
    reasons.push_back(std::string(where) + ": " + e.ToString());
  }
};

Result<std::optional<crypto::SecretBytes>> TryJwe(ByteSpan entry, const DecryptionKeys& keys,
                                                  std::string_view where, Attempts& attempts) {
  auto jwe = base::ParseJson(entry);
  if (!jwe) {
    attempts.Add(where, jwe.error());
    return std::nullopt;
  }
  if (jwe->is_object() && jwe->contains("recipients") && (*jwe)["recipients"].is_array() &&
      (*jwe)["recipients"].size() > limits::kOcicryptMaxWrappedKeys) {
    attempts.Add(where, Error(Code::kInvalidArgument, "too many JWE recipients"));
    return std::nullopt;
  }
  if (keys.private_keys.empty())
    attempts.reasons.push_back(std::string(where) + ": no private keys");
  for (const auto& key : keys.private_keys) {
    auto opts = jose::DecryptAnyRecipient(*jwe, key);
    if (opts) return std::optional<crypto::SecretBytes>(std::move(*opts));
    attempts.Add(where, opts.error());
  }
  return std::nullopt;
}

Result<std::optional<crypto::SecretBytes>> TryProvider(ByteSpan entry, const DecryptionKeys& keys,
                                                       std::string_view where, Attempts& attempts) {
  if (!keys.provider) {
    attempts.reasons.push_back(std::string(where) + ": no key provider configured");
    return std::nullopt;
  }
  auto opts = UnwrapWithKeyProvider(entry, *keys.provider);
  if (opts) return std::optional<crypto::SecretBytes>(std::move(*opts));
  if (!IsNoFit(opts.error())) return std::unexpected(opts.error().WithContext(where));
  attempts.Add(where, opts.error());
  return std::nullopt;
}

// Tries each entry of one annotation; nullopt if none fits.
Result<std::optional<crypto::SecretBytes>> TryAnnotation(const std::string& name,
                                                         const std::string& value,
                                                         const DecryptionKeys& keys,
                                                         Attempts& attempts) {
  const std::string scheme = name.substr(kEncKeysPrefix.size());
  const bool is_jwe = name == kEncKeysJwe;
  if (!is_jwe && !name.starts_with(kEncKeysProviderPrefix)) {
    attempts.reasons.push_back("scheme " + scheme + " is not supported");
    return std::nullopt;
  }
  auto entries = SplitAnnotationList(value, scheme);
  if (!entries) {
    attempts.Add(scheme, entries.error());
    return std::nullopt;
  }
  for (size_t i = 0; i < entries->size(); ++i) {
    const std::string where = scheme + " entry " + std::to_string(i);
    auto r = is_jwe ? TryJwe((*entries)[i], keys, where, attempts)
                    : TryProvider((*entries)[i], keys, where, attempts);
    if (!r || r->has_value()) return r;
  }
  return std::nullopt;
}

}  // namespace

KeyWrapper::~KeyWrapper() = default;

std::unique_ptr<KeyWrapper> MakeJweKeyWrapper(std::vector<crypto::PublicKey> recipients) {
  return std::make_unique<JweKeyWrapper>(std::move(recipients));
}

std::unique_ptr<KeyWrapper> MakeKeyProviderWrapper(std::string kid, crypto::SecretBytes kek) {
  return std::make_unique<ProviderKeyWrapper>(std::move(kid), std::move(kek));
}

Status DecryptionKeys::AddPrivateKeyPem(std::string_view pem) {
  ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::FromPem(pem));
  if (key.type() == crypto::KeyType::kEd25519) {
    return InvalidArgument("decryption key must be RSA or EC, not Ed25519");
  }
  private_keys.push_back(std::move(key));
  return Ok();
}

Result<LayerKey> UnwrapLayerKey(const Annotations& annotations, const DecryptionKeys& keys,
                                std::string_view layer_digest) {
  Attempts attempts;
  bool any = false;
  for (auto it = annotations.lower_bound(std::string(kEncKeysPrefix));
       it != annotations.end() && it->first.starts_with(kEncKeysPrefix); ++it) {
    any = true;
    ASSIGN_OR_RETURN(auto opts, TryAnnotation(it->first, it->second, keys, attempts));
    if (!opts) continue;
    auto key = ParsePrivateOptions(opts->span());
    if (!key) return std::unexpected(key.error().WithContext(std::string(layer_digest)));
    return key;
  }
  if (!any) {
    return InvalidArgument("layer " + std::string(layer_digest) + " has no wrapped keys");
  }
  std::string why;
  for (const auto& r : attempts.reasons) why += (why.empty() ? "" : "; ") + r;
  return FailedPrecondition("no decryption key for layer " + std::string(layer_digest) + ": " +
                            why);
}

}  // namespace cocoon::image
