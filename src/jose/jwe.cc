// JWE with A256GCM content encryption, flattened JSON and compact serialisations. Encryption
// reproduces Trustee's KBS byte for byte; decryption treats the whole JWE as untrusted input.
#include "jose/jwe.h"

#include <vector>

#include "base/encoding.h"
#include "crypto/aes.h"
#include "crypto/random.h"
#include "jose/internal/jwe_key_management.h"

namespace cocoon::jose {
namespace {

constexpr std::string_view kEnc = "A256GCM";
constexpr size_t kIvBytes = 12;
constexpr size_t kTagBytes = 16;

Result<std::string> MemberB64(const Json& jwe, std::string_view name, Bytes* decoded) {
  ASSIGN_OR_RETURN(std::string text, base::GetString(jwe, name));
  auto b = base::Base64UrlDecode(text);
  if (!b) return InvalidArgument("JWE member \"" + std::string(name) + "\" is not base64url");
  if (decoded != nullptr) *decoded = std::move(*b);
  return text;
}

// Adds the members of an unprotected header object to `merged`; names must be disjoint across
// the protected, shared and per-recipient headers (RFC 7516 §7.2.1).
Status MergeHeader(const Json& jwe, std::string_view name, Json& merged) {
  ASSIGN_OR_RETURN(const Json* h, base::FindField(jwe, name));
  if (h == nullptr) return Ok();
  if (!h->is_object())
    return InvalidArgument("JWE \"" + std::string(name) + "\" must be an object");
  for (const auto& [k, v] : h->items()) {
    if (merged.contains(k)) return InvalidArgument("JWE header parameter \"" + k + "\" repeated");
    merged[k] = v;
  }
  return Ok();
}

Result<Json> JoseHeader(const Json& jwe, const std::string& protected_b64) {
  auto text = base::Base64UrlDecode(protected_b64);
  if (!text) return InvalidArgument("JWE member \"protected\" is not base64url");
  auto header = base::ParseJson(*text);
  if (!header) return std::unexpected(header.error().WithContext("JWE protected header"));
  if (!header->is_object()) return InvalidArgument("JWE protected header must be an object");
  TRY(MergeHeader(jwe, "unprotected", *header));
  TRY(MergeHeader(jwe, "header", *header));
  // We implement no extensions and no compression; both would change the meaning.
  if (header->contains("crit")) return InvalidArgument("JWE header has unsupported \"crit\"");
  if (header->contains("zip")) return InvalidArgument("JWE compression (zip) is not supported");
  ASSIGN_OR_RETURN(std::string enc, base::GetString(*header, "enc"));
  if (enc != kEnc) return InvalidArgument("unsupported JWE enc \"" + enc + "\"");
  return std::move(*header);
}

Result<Bytes> FixedOrRandom(const std::optional<Bytes>& fixed, size_t n, std::string_view what) {
  if (fixed) {
    if (fixed->size() != n) return InvalidArgument("test " + std::string(what) + " has wrong size");
    return *fixed;
  }
  return crypto::RandomBytes(n);
}

}  // namespace

Result<KeyAlg> ParseKeyAlg(std::string_view name) {
  if (name == "RSA-OAEP") return KeyAlg::kRsaOaep;
  if (name == "RSA-OAEP-256") return KeyAlg::kRsaOaep256;
  if (name == "RSA1_5") return KeyAlg::kRsa1_5;
  if (name == "ECDH-ES+A256KW") return KeyAlg::kEcdhEsA256kw;
  return InvalidArgument("unsupported JWE alg \"" + std::string(name) + "\"");
}

std::string_view KeyAlgName(KeyAlg alg) {
  switch (alg) {
    case KeyAlg::kRsaOaep:
      return "RSA-OAEP";
    case KeyAlg::kRsaOaep256:
      return "RSA-OAEP-256";
    case KeyAlg::kRsa1_5:
      return "RSA1_5";
    case KeyAlg::kEcdhEsA256kw:
      return "ECDH-ES+A256KW";
  }
  return "unknown";
}

Result<OrderedJson> EncryptFlattened(const crypto::PublicKey& recipient, KeyAlg alg,
                                     ByteSpan plaintext, const JweTestInputs& test) {
  TRY(internal::CheckKeyFitsAlg(recipient.type(), alg));
  crypto::SecretBytes cek(internal::kCekBytes);
  if (test.cek) {
    if (test.cek->size() != internal::kCekBytes) return InvalidArgument("test CEK has wrong size");
    cek = crypto::SecretBytes(*test.cek);
  } else {
    TRY(crypto::RandomFill(cek.mutable_span()));
  }
  ASSIGN_OR_RETURN(Bytes iv, FixedOrRandom(test.iv, kIvBytes, "IV"));
  ASSIGN_OR_RETURN(internal::WrappedCek wrapped,
                   internal::WrapCek(recipient, alg, cek.span(), test.ephemeral));

  // Trustee's exact header: alg, enc, then epk (compact, no escaped '/').
  OrderedJson header = OrderedJson::object();
  header["alg"] = std::string(KeyAlgName(alg));
  header["enc"] = std::string(kEnc);
  if (wrapped.epk) header["epk"] = std::move(*wrapped.epk);
  const std::string protected_b64 = base::Base64UrlEncode(base::DumpJson(header));
  ASSIGN_OR_RETURN(crypto::GcmSealed sealed,
                   crypto::AesGcmEncrypt(cek.span(), iv, AsBytes(protected_b64), plaintext));

  OrderedJson out = OrderedJson::object();
  out["protected"] = protected_b64;
  out["encrypted_key"] = base::Base64UrlEncode(wrapped.encrypted_key);
  out["iv"] = base::Base64UrlEncode(iv);
  out["ciphertext"] = base::Base64UrlEncode(sealed.ciphertext);
  out["tag"] = base::Base64UrlEncode(sealed.tag);
  return out;
}

Result<std::string> EncryptCompact(const crypto::PublicKey& recipient, KeyAlg alg,
                                   ByteSpan plaintext, const JweTestInputs& test) {
  ASSIGN_OR_RETURN(OrderedJson jwe, EncryptFlattened(recipient, alg, plaintext, test));
  std::string out;
  for (const char* m : {"protected", "encrypted_key", "iv", "ciphertext", "tag"}) {
    if (!out.empty()) out.push_back('.');
    out += jwe[m].get<std::string>();
  }
  return out;
}

Result<crypto::SecretBytes> DecryptFlattened(const Json& jwe, const crypto::PrivateKey& key) {
  if (!jwe.is_object()) return InvalidArgument("JWE must be a JSON object");
  if (jwe.contains("recipients")) return InvalidArgument("general JWE serialisation unsupported");
  ASSIGN_OR_RETURN(std::string protected_b64, MemberB64(jwe, "protected", nullptr));
  ASSIGN_OR_RETURN(Json header, JoseHeader(jwe, protected_b64));
  ASSIGN_OR_RETURN(std::string alg_name, base::GetString(header, "alg"));
  ASSIGN_OR_RETURN(KeyAlg alg, ParseKeyAlg(alg_name));
  TRY(internal::CheckKeyFitsAlg(key.type(), alg));

  Bytes encrypted_key, iv, ciphertext, tag;
  TRY(MemberB64(jwe, "encrypted_key", &encrypted_key));
  TRY(MemberB64(jwe, "iv", &iv));
  TRY(MemberB64(jwe, "ciphertext", &ciphertext));
  TRY(MemberB64(jwe, "tag", &tag));
  if (iv.size() != kIvBytes) return InvalidArgument("JWE iv must be 12 bytes for A256GCM");
  if (tag.size() != kTagBytes) return InvalidArgument("JWE tag must be 16 bytes for A256GCM");

  // RFC 7516 §5.2 step 14: AAD = protected [ "." aad ], as ASCII of the encoded strings.
  std::string aad = protected_b64;
  ASSIGN_OR_RETURN(const Json* aad_member, base::FindField(jwe, "aad"));
  if (aad_member != nullptr) {
    ASSIGN_OR_RETURN(std::string aad_b64, MemberB64(jwe, "aad", nullptr));
    aad += "." + aad_b64;
  }
  ASSIGN_OR_RETURN(crypto::SecretBytes cek, internal::UnwrapCek(key, alg, header, encrypted_key));
  auto plaintext = crypto::AesGcmDecrypt(cek.span(), iv, AsBytes(aad), ciphertext, tag);
  if (!plaintext) return Unauthenticated("JWE authentication tag does not verify");
  return plaintext;
}

Result<crypto::SecretBytes> DecryptCompact(std::string_view jwe, const crypto::PrivateKey& key) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = jwe.find('.', start);
    parts.push_back(jwe.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos || parts.size() > 5) break;
    start = dot + 1;
  }
  if (parts.size() != 5) return InvalidArgument("compact JWE must have five parts");
  Json flattened = Json::object();
  const char* names[] = {"protected", "encrypted_key", "iv", "ciphertext", "tag"};
  for (size_t i = 0; i < 5; ++i) flattened[names[i]] = std::string(parts[i]);
  return DecryptFlattened(flattened, key);
}

}  // namespace cocoon::jose
