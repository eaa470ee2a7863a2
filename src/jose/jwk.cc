// JWK <-> crypto key conversion. Input JWKs are untrusted: every member is type- and size-checked
// (strict base64url, exact EC coordinate sizes) before a key is built.
#include "jose/jwk.h"

#include <string_view>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "jose/internal/private_key_der.h"

namespace cocoon::jose {
namespace {

using crypto::KeyType;

// Decodes a required base64url member; InvalidArgument naming it.
Result<Bytes> B64Member(const Json& jwk, std::string_view name) {
  ASSIGN_OR_RETURN(std::string text, base::GetString(jwk, name));
  auto bytes = base::Base64UrlDecode(text);
  if (!bytes) return InvalidArgument("JWK member \"" + std::string(name) + "\" is not base64url");
  return std::move(*bytes);
}

Result<crypto::SecretBytes> SecretMember(const Json& jwk, std::string_view name) {
  ASSIGN_OR_RETURN(Bytes b, B64Member(jwk, name));
  crypto::SecretBytes s(b);
  volatile uint8_t* p = b.data();
  for (size_t i = 0; i < b.size(); ++i) p[i] = 0;
  return s;
}

Result<KeyType> CurveFromName(std::string_view crv) {
  if (crv == "P-256") return KeyType::kEcP256;
  if (crv == "P-384") return KeyType::kEcP384;
  if (crv == "P-521") return KeyType::kEcP521;
  return InvalidArgument("unsupported JWK EC curve \"" + std::string(crv) + "\"");
}

Result<std::string> Kty(const Json& jwk) {
  if (!jwk.is_object()) return InvalidArgument("JWK must be a JSON object");
  return base::GetString(jwk, "kty");
}

Result<crypto::PublicKey> EcPublic(const Json& jwk) {
  ASSIGN_OR_RETURN(std::string crv, base::GetString(jwk, "crv"));
  ASSIGN_OR_RETURN(KeyType curve, CurveFromName(crv));
  ASSIGN_OR_RETURN(Bytes x, B64Member(jwk, "x"));
  ASSIGN_OR_RETURN(Bytes y, B64Member(jwk, "y"));
  const size_t size = crypto::EcCoordinateSize(curve);
  if (x.size() != size) return InvalidArgument("JWK member \"x\" has the wrong size for " + crv);
  if (y.size() != size) return InvalidArgument("JWK member \"y\" has the wrong size for " + crv);
  auto key = crypto::PublicKey::FromEc(curve, x, y);
  if (!key) return InvalidArgument("JWK EC point is invalid: " + key.error().message());
  return key;
}

Result<crypto::PublicKey> RsaPublic(const Json& jwk) {
  ASSIGN_OR_RETURN(Bytes n, B64Member(jwk, "n"));
  ASSIGN_OR_RETURN(Bytes e, B64Member(jwk, "e"));
  if (n.empty()) return InvalidArgument("JWK member \"n\" is empty");
  if (e.empty()) return InvalidArgument("JWK member \"e\" is empty");
  auto key = crypto::PublicKey::FromRsa(n, e);
  if (!key) return InvalidArgument("JWK RSA key is invalid: " + key.error().message());
  return key;
}

Result<crypto::PublicKey> OkpPublic(const Json& jwk) {
  ASSIGN_OR_RETURN(std::string crv, base::GetString(jwk, "crv"));
  if (crv != "Ed25519") return InvalidArgument("unsupported JWK OKP curve \"" + crv + "\"");
  ASSIGN_OR_RETURN(Bytes x, B64Member(jwk, "x"));
  if (x.size() != 32) return InvalidArgument("JWK member \"x\" must be 32 bytes for Ed25519");
  auto key = crypto::PublicKey::FromEd25519(x);
  if (!key) return InvalidArgument("JWK Ed25519 key is invalid: " + key.error().message());
  return key;
}

Result<crypto::PrivateKey> RsaPrivate(const Json& jwk) {
  for (const char* m : {"p", "q", "dp", "dq", "qi"}) {
    ASSIGN_OR_RETURN(const Json* f, base::FindField(jwk, m));
    if (f == nullptr) {
      return InvalidArgument(std::string("RSA private JWK lacks \"") + m +
                             "\" (keys without CRT parameters are not supported)");
    }
  }
  ASSIGN_OR_RETURN(Bytes n, B64Member(jwk, "n"));
  ASSIGN_OR_RETURN(Bytes e, B64Member(jwk, "e"));
  ASSIGN_OR_RETURN(crypto::SecretBytes d, SecretMember(jwk, "d"));
  ASSIGN_OR_RETURN(crypto::SecretBytes p, SecretMember(jwk, "p"));
  ASSIGN_OR_RETURN(crypto::SecretBytes q, SecretMember(jwk, "q"));
  ASSIGN_OR_RETURN(crypto::SecretBytes dp, SecretMember(jwk, "dp"));
  ASSIGN_OR_RETURN(crypto::SecretBytes dq, SecretMember(jwk, "dq"));
  ASSIGN_OR_RETURN(crypto::SecretBytes qi, SecretMember(jwk, "qi"));
  crypto::SecretBytes der =
      internal::RsaPkcs8Der({n, e, d.span(), p.span(), q.span(), dp.span(), dq.span(), qi.span()});
  auto key = internal::PrivateKeyFromPkcs8(der);
  if (!key) return InvalidArgument("RSA private JWK is invalid: " + key.error().message());
  return key;
}

Result<crypto::PrivateKey> EcPrivate(const Json& jwk) {
  ASSIGN_OR_RETURN(crypto::PublicKey pub, EcPublic(jwk));
  ASSIGN_OR_RETURN(crypto::SecretBytes d, SecretMember(jwk, "d"));
  if (d.size() != crypto::EcCoordinateSize(pub.type())) {
    return InvalidArgument("JWK member \"d\" has the wrong size for the curve");
  }
  auto key = crypto::PrivateKey::FromEcScalar(pub.type(), d.span());
  if (!key) return InvalidArgument("JWK EC private scalar is invalid: " + key.error().message());
  return key;
}

Result<crypto::PrivateKey> OkpPrivate(const Json& jwk) {
  ASSIGN_OR_RETURN(crypto::PublicKey pub, OkpPublic(jwk));
  ASSIGN_OR_RETURN(crypto::SecretBytes d, SecretMember(jwk, "d"));
  if (d.size() != 32) return InvalidArgument("JWK member \"d\" must be 32 bytes for Ed25519");
  auto key = internal::PrivateKeyFromPkcs8(internal::Ed25519Pkcs8Der(d.span()));
  if (!key) return InvalidArgument("Ed25519 private JWK is invalid: " + key.error().message());
  return key;
}

}  // namespace

Result<crypto::PublicKey> PublicKeyFromJwk(const Json& jwk) {
  ASSIGN_OR_RETURN(std::string kty, Kty(jwk));
  if (kty == "EC") return EcPublic(jwk);
  if (kty == "RSA") return RsaPublic(jwk);
  if (kty == "OKP") return OkpPublic(jwk);
  return InvalidArgument("unsupported JWK kty \"" + kty + "\"");
}

Result<crypto::PrivateKey> PrivateKeyFromJwk(const Json& jwk) {
  ASSIGN_OR_RETURN(std::string kty, Kty(jwk));
  Result<crypto::PrivateKey> key = InvalidArgument("unsupported JWK kty \"" + kty + "\"");
  if (kty == "EC") {
    key = EcPrivate(jwk);
  } else if (kty == "RSA") {
    key = RsaPrivate(jwk);
  } else if (kty == "OKP") {
    key = OkpPrivate(jwk);
  }
  if (!key) return key;
  // The public members must describe the same key as the private ones.
  ASSIGN_OR_RETURN(crypto::PublicKey pub, PublicKeyFromJwk(jwk));
  if (!key->public_key().Equals(pub)) {
    return InvalidArgument("JWK private key does not match its public members");
  }
  return key;
}

OrderedJson PublicKeyToJwk(const crypto::PublicKey& key, std::optional<std::string> alg) {
  auto b64 = [](const Result<Bytes>& b) { return b ? base::Base64UrlEncode(*b) : std::string(); };
  OrderedJson j = OrderedJson::object();
  switch (key.type()) {
    case KeyType::kRsa:
      j["kty"] = "RSA";
      if (alg) j["alg"] = *alg;
      j["n"] = b64(key.RsaModulus());
      j["e"] = b64(key.RsaExponent());
      break;
    case KeyType::kEcP256:
    case KeyType::kEcP384:
    case KeyType::kEcP521:
      j["kty"] = "EC";
      j["crv"] = std::string(crypto::KeyTypeName(key.type()));
      if (alg) j["alg"] = *alg;
      j["x"] = b64(key.EcX());
      j["y"] = b64(key.EcY());
      break;
    case KeyType::kEd25519:
      j["kty"] = "OKP";
      j["crv"] = "Ed25519";
      if (alg) j["alg"] = *alg;
      j["x"] = b64(key.Ed25519Raw());
      break;
  }
  return j;
}

Result<std::string> Thumbprint(const crypto::PublicKey& key) {
  // RFC 7638 §3.2: required members only, lexicographic order, no whitespace.
  OrderedJson j = OrderedJson::object();
  switch (key.type()) {
    case KeyType::kRsa: {
      ASSIGN_OR_RETURN(Bytes n, key.RsaModulus());
      ASSIGN_OR_RETURN(Bytes e, key.RsaExponent());
      j["e"] = base::Base64UrlEncode(e);
      j["kty"] = "RSA";
      j["n"] = base::Base64UrlEncode(n);
      break;
    }
    case KeyType::kEcP256:
    case KeyType::kEcP384:
    case KeyType::kEcP521: {
      ASSIGN_OR_RETURN(Bytes x, key.EcX());
      ASSIGN_OR_RETURN(Bytes y, key.EcY());
      j["crv"] = std::string(crypto::KeyTypeName(key.type()));
      j["kty"] = "EC";
      j["x"] = base::Base64UrlEncode(x);
      j["y"] = base::Base64UrlEncode(y);
      break;
    }
    case KeyType::kEd25519: {
      ASSIGN_OR_RETURN(Bytes x, key.Ed25519Raw());
      j["crv"] = "Ed25519";
      j["kty"] = "OKP";
      j["x"] = base::Base64UrlEncode(x);
      break;
    }
  }
  return base::Base64UrlEncode(crypto::Sha256(AsBytes(base::DumpJson(j))));
}

}  // namespace cocoon::jose
