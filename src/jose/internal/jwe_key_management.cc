// Key wrapping for JWE recipients: RSA-OAEP(-256), RSA1_5 with the §11.5 countermeasure, and
// ECDH-ES+A256KW. The epk/apu/apv header members are untrusted and validated here.
#include "jose/internal/jwe_key_management.h"

#include <string>

#include "base/encoding.h"
#include "crypto/aes.h"
#include "crypto/ecdh.h"
#include "crypto/random.h"
#include "crypto/rsa.h"
#include "jose/jwk.h"

namespace cocoon::jose::internal {
namespace {

using crypto::KeyType;

constexpr std::string_view kEcdhAlgId = "ECDH-ES+A256KW";

bool IsEc(KeyType t) {
  return t == KeyType::kEcP256 || t == KeyType::kEcP384 || t == KeyType::kEcP521;
}

crypto::RsaPadding PaddingFor(KeyAlg alg) {
  switch (alg) {
    case KeyAlg::kRsaOaep:
      return crypto::RsaPadding::kOaepSha1;
    case KeyAlg::kRsaOaep256:
      return crypto::RsaPadding::kOaepSha256;
    default:
      return crypto::RsaPadding::kPkcs1v15;
  }
}

// Optional base64url header member (apu/apv); empty when absent.
Result<Bytes> OptionalB64(const Json& header, std::string_view name) {
  ASSIGN_OR_RETURN(const Json* f, base::FindField(header, name));
  if (f == nullptr) return Bytes{};
  if (!f->is_string())
    return InvalidArgument("JWE header \"" + std::string(name) + "\" must be a string");
  auto b = base::Base64UrlDecode(f->get<std::string>());
  if (!b) return InvalidArgument("JWE header \"" + std::string(name) + "\" is not base64url");
  return std::move(*b);
}

Result<crypto::PublicKey> ParseEpk(const Json& header, KeyType curve) {
  ASSIGN_OR_RETURN(const Json* epk, base::GetObject(header, "epk"));
  ASSIGN_OR_RETURN(std::string kty, base::GetString(*epk, "kty"));
  if (kty != "EC") return InvalidArgument("JWE epk must be an EC key");
  ASSIGN_OR_RETURN(std::string crv, base::GetString(*epk, "crv"));
  if (crv != crypto::KeyTypeName(curve)) {
    return InvalidArgument("JWE epk curve " + crv + " differs from the recipient key's");
  }
  auto key = PublicKeyFromJwk(*epk);
  if (!key) return std::unexpected(key.error().WithContext("JWE epk"));
  return key;
}

Result<WrappedCek> WrapEcdh(const crypto::PublicKey& recipient, ByteSpan cek,
                            const std::optional<crypto::PrivateKey>& ephemeral) {
  std::optional<crypto::PrivateKey> eph = ephemeral;
  if (!eph) {
    ASSIGN_OR_RETURN(eph, crypto::PrivateKey::Generate(recipient.type()));
  } else if (eph->type() != recipient.type()) {
    return InvalidArgument("ephemeral key is not on the recipient's curve");
  }
  ASSIGN_OR_RETURN(crypto::SecretBytes z, crypto::EcdhSharedSecret(*eph, recipient));
  crypto::SecretBytes kek = crypto::ConcatKdf(z.span(), kEcdhAlgId, {}, {}, 8 * kCekBytes);
  WrappedCek out;
  ASSIGN_OR_RETURN(out.encrypted_key, crypto::AesKeyWrap(kek.span(), cek));
  const crypto::PublicKey pub = eph->public_key();
  ASSIGN_OR_RETURN(Bytes x, pub.EcX());
  ASSIGN_OR_RETURN(Bytes y, pub.EcY());
  // Member order as Trustee (josekit) serialises the epk: crv, kty, x, y.
  OrderedJson epk = OrderedJson::object();
  epk["crv"] = std::string(crypto::KeyTypeName(pub.type()));
  epk["kty"] = "EC";
  epk["x"] = base::Base64UrlEncode(x);
  epk["y"] = base::Base64UrlEncode(y);
  out.epk = std::move(epk);
  return out;
}

Result<crypto::SecretBytes> UnwrapEcdh(const crypto::PrivateKey& key, const Json& header,
                                       ByteSpan encrypted_key) {
  ASSIGN_OR_RETURN(crypto::PublicKey epk, ParseEpk(header, key.type()));
  ASSIGN_OR_RETURN(Bytes apu, OptionalB64(header, "apu"));
  ASSIGN_OR_RETURN(Bytes apv, OptionalB64(header, "apv"));
  ASSIGN_OR_RETURN(crypto::SecretBytes z, crypto::EcdhSharedSecret(key, epk));
  crypto::SecretBytes kek = crypto::ConcatKdf(z.span(), kEcdhAlgId, apu, apv, 8 * kCekBytes);
  auto cek = crypto::AesKeyUnwrap(kek.span(), encrypted_key);
  if (!cek) return Unauthenticated("JWE key unwrap failed");
  return cek;
}

}  // namespace

Status CheckKeyFitsAlg(KeyType t, KeyAlg alg) {
  const bool fits = alg == KeyAlg::kEcdhEsA256kw ? IsEc(t) : t == KeyType::kRsa;
  if (fits) return Ok();
  return InvalidArgument("JWE alg " + std::string(KeyAlgName(alg)) + " does not fit a " +
                         std::string(crypto::KeyTypeName(t)) + " key");
}

Result<WrappedCek> WrapCek(const crypto::PublicKey& recipient, KeyAlg alg, ByteSpan cek,
                           const std::optional<crypto::PrivateKey>& ephemeral) {
  TRY(CheckKeyFitsAlg(recipient.type(), alg));
  if (alg == KeyAlg::kEcdhEsA256kw) return WrapEcdh(recipient, cek, ephemeral);
  if (ephemeral) return InvalidArgument("an ephemeral key is only used with ECDH-ES");
  WrappedCek out;
  ASSIGN_OR_RETURN(out.encrypted_key, crypto::RsaEncrypt(recipient, PaddingFor(alg), cek));
  return out;
}

Result<crypto::SecretBytes> UnwrapCek(const crypto::PrivateKey& key, KeyAlg alg, const Json& header,
                                      ByteSpan encrypted_key) {
  TRY(CheckKeyFitsAlg(key.type(), alg));
  Result<crypto::SecretBytes> cek = Unauthenticated("JWE key unwrap failed");
  if (alg == KeyAlg::kEcdhEsA256kw) {
    cek = UnwrapEcdh(key, header, encrypted_key);
  } else if (alg == KeyAlg::kRsa1_5) {
    // RFC 7516 §11.5 / RFC 3218: draw the substitute CEK before decrypting and use it on any
    // padding or length failure, so the caller sees only a tag mismatch (no padding oracle).
    crypto::SecretBytes substitute(kCekBytes);
    TRY(crypto::RandomFill(substitute.mutable_span()));
    auto decrypted = crypto::RsaDecrypt(key, crypto::RsaPadding::kPkcs1v15, encrypted_key);
    const bool good = decrypted && decrypted->size() == kCekBytes;
    return good ? std::move(*decrypted) : std::move(substitute);
  } else {
    auto decrypted = crypto::RsaDecrypt(key, PaddingFor(alg), encrypted_key);
    if (decrypted) cek = std::move(*decrypted);
  }
  if (!cek) return cek;
  if (cek->size() != kCekBytes) return Unauthenticated("JWE content key has the wrong size");
  return cek;
}

}  // namespace cocoon::jose::internal
