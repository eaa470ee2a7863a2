// go-jose-compatible JWE JSON serialisation (several recipients). Decryption rebuilds one
// flattened JWE per recipient and hands it to DecryptFlattened, which checks everything.
#include "jose/jwe_multi.h"

#include "base/encoding.h"
#include "crypto/aes.h"
#include "crypto/random.h"
#include "jose/internal/jwe_key_management.h"
#include "jose/jwe.h"

namespace cocoon::jose {
namespace {

constexpr size_t kIvBytes = 12;

Result<KeyAlg> AlgForKey(crypto::KeyType t) {
  switch (t) {
    case crypto::KeyType::kRsa:
      return KeyAlg::kRsaOaep;
    case crypto::KeyType::kEcP256:
    case crypto::KeyType::kEcP384:
    case crypto::KeyType::kEcP521:
      return KeyAlg::kEcdhEsA256kw;
    case crypto::KeyType::kEd25519:
      break;
  }
  return InvalidArgument("JWE recipient key must be RSA or EC, got " +
                         std::string(crypto::KeyTypeName(t)));
}

// go-jose marshals header maps with sorted keys and the JWK as {"kty","crv","x","y"}.
OrderedJson RecipientHeader(KeyAlg alg, const std::optional<OrderedJson>& epk) {
  OrderedJson h = OrderedJson::object();
  h["alg"] = std::string(KeyAlgName(alg));
  if (epk) {
    OrderedJson e = OrderedJson::object();
    for (const char* m : {"kty", "crv", "x", "y"}) e[m] = (*epk)[m];
    h["epk"] = std::move(e);
  }
  return h;
}

struct Wrapped {
  OrderedJson header;
  std::string encrypted_key;
};

Result<std::vector<Wrapped>> WrapForAll(std::span<const crypto::PublicKey> recipients,
                                        ByteSpan cek) {
  std::vector<Wrapped> out;
  for (const auto& key : recipients) {
    ASSIGN_OR_RETURN(KeyAlg alg, AlgForKey(key.type()));
    ASSIGN_OR_RETURN(internal::WrappedCek w, internal::WrapCek(key, alg, cek, std::nullopt));
    out.push_back({RecipientHeader(alg, w.epk), base::Base64UrlEncode(w.encrypted_key)});
  }
  return out;
}

}  // namespace

Result<OrderedJson> EncryptMultiRecipient(std::span<const crypto::PublicKey> recipients,
                                          ByteSpan plaintext) {
  if (recipients.empty()) return InvalidArgument("JWE needs at least one recipient");
  crypto::SecretBytes cek(internal::kCekBytes);
  TRY(crypto::RandomFill(cek.mutable_span()));
  ASSIGN_OR_RETURN(Bytes iv, crypto::RandomBytes(kIvBytes));
  ASSIGN_OR_RETURN(std::vector<Wrapped> wrapped, WrapForAll(recipients, cek.span()));

  OrderedJson protected_header = OrderedJson::object();
  if (wrapped.size() == 1) protected_header = wrapped[0].header;  // alg, then enc, epk below
  OrderedJson sorted = OrderedJson::object();
  if (protected_header.contains("alg")) sorted["alg"] = protected_header["alg"];
  sorted["enc"] = "A256GCM";
  if (protected_header.contains("epk")) sorted["epk"] = protected_header["epk"];
  const std::string protected_b64 = base::Base64UrlEncode(base::DumpJson(sorted));
  ASSIGN_OR_RETURN(crypto::GcmSealed sealed,
                   crypto::AesGcmEncrypt(cek.span(), iv, AsBytes(protected_b64), plaintext));

  OrderedJson out = OrderedJson::object();
  out["protected"] = protected_b64;
  if (wrapped.size() > 1) {
    OrderedJson list = OrderedJson::array();
    for (auto& w : wrapped) {
      OrderedJson r = OrderedJson::object();
      r["header"] = std::move(w.header);
      r["encrypted_key"] = w.encrypted_key;
      list.push_back(std::move(r));
    }
    out["recipients"] = std::move(list);
  }
  out["encrypted_key"] = wrapped[0].encrypted_key;
  out["iv"] = base::Base64UrlEncode(iv);
  out["ciphertext"] = base::Base64UrlEncode(sealed.ciphertext);
  out["tag"] = base::Base64UrlEncode(sealed.tag);
  return out;
}

namespace {

// The flattened JWE for one entry of "recipients": shared members plus its header and key.
Result<Json> FlattenedFor(const Json& jwe, const Json& recipient) {
  if (!recipient.is_object()) return InvalidArgument("JWE recipient must be an object");
  Json flat = Json::object();
  for (const char* m : {"protected", "unprotected", "iv", "ciphertext", "tag", "aad"}) {
    if (jwe.contains(m)) flat[m] = jwe[m];
  }
  for (const char* m : {"header", "encrypted_key"}) {
    if (recipient.contains(m)) flat[m] = recipient[m];
  }
  return flat;
}

bool AlgFitsKey(const Json& flat, crypto::KeyType t) {
  // Only a cheap pre-filter on the per-recipient header; DecryptFlattened re-checks everything.
  const Json* h = flat.contains("header") ? &flat["header"] : nullptr;
  if (h == nullptr || !h->is_object() || !h->contains("alg") || !(*h)["alg"].is_string()) {
    return true;
  }
  auto alg = ParseKeyAlg((*h)["alg"].get<std::string>());
  return alg && internal::CheckKeyFitsAlg(t, *alg).has_value();
}

}  // namespace

Result<crypto::SecretBytes> DecryptAnyRecipient(const Json& jwe, const crypto::PrivateKey& key) {
  if (!jwe.is_object()) return InvalidArgument("JWE must be a JSON object");
  if (!jwe.contains("recipients")) return DecryptFlattened(jwe, key);
  ASSIGN_OR_RETURN(const Json* recipients, base::GetArray(jwe, "recipients"));
  if (recipients->empty()) return InvalidArgument("JWE has an empty recipients list");
  std::optional<Error> last;
  for (const Json& r : *recipients) {
    ASSIGN_OR_RETURN(Json flat, FlattenedFor(jwe, r));
    if (!AlgFitsKey(flat, key.type())) continue;
    auto plaintext = DecryptFlattened(flat, key);
    if (plaintext) return plaintext;
    last = plaintext.error();
  }
  if (!last) return InvalidArgument("JWE has no recipient for a key of this type");
  return std::unexpected(*last);
}

}  // namespace cocoon::jose
