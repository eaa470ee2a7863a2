// Attestation-token verification (Trustee kbs/src/token semantics).
#include "attestation/token_verifier.h"

#include "base/encoding.h"
#include "base/file.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "jose/jwt.h"

namespace cocoon::attestation {
namespace {

// x5c entries may be standard base64 or base64url, possibly with newlines.
Result<std::vector<crypto::Certificate>> ParseX5c(const Json& x5c) {
  std::vector<crypto::Certificate> out;
  if (!x5c.is_array() || x5c.empty()) return Unauthenticated("token jwk has no x5c chain");
  for (const auto& e : x5c) {
    if (!e.is_string()) return InvalidArgument("token jwk x5c entries must be strings");
    std::string s;
    for (char c : e.get<std::string>()) {
      if (c != '\n' && c != '\r') s.push_back(c);
    }
    ASSIGN_OR_RETURN(Bytes der, base::Base64DecodeAny(s));
    ASSIGN_OR_RETURN(crypto::Certificate cert, crypto::Certificate::FromDer(der));
    out.push_back(std::move(cert));
  }
  return out;
}

}  // namespace

Result<crypto::PublicKey> TokenVerifier::KeyFor(const Json& header, std::string* alg) const {
  auto jwk_it = header.find("jwk");
  if (jwk_it != header.end()) {
    const Json& jwk = *jwk_it;
    ASSIGN_OR_RETURN(crypto::PublicKey key, jose::PublicKeyFromJwk(jwk));
    *alg = jwk.value("alg", "");
    for (const auto& trusted : options_.trusted_keys) {
      if (trusted.Equals(key)) return key;
    }
    if (options_.insecure_header_jwk) return key;
    if (options_.trusted_certs.empty()) {
      return Unauthenticated(
          "token signer is not trusted: no trusted_certs_paths configured "
          "and insecure_header_jwk is false");
    }
    ASSIGN_OR_RETURN(auto chain, ParseX5c(jwk.value("x5c", Json())));
    ASSIGN_OR_RETURN(crypto::PublicKey leaf_key, chain.front().public_key());
    if (!leaf_key.Equals(key)) return Unauthenticated("token jwk does not match its x5c leaf");
    std::vector<crypto::Certificate> rest(chain.begin() + 1, chain.end());
    auto st = crypto::VerifyChain(chain.front(), rest, options_.trusted_certs);
    if (!st) return Unauthenticated("token signer chain: " + st.error().message());
    return key;
  }
  auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string()) {
    return Unauthenticated("token header has neither jwk nor kid");
  }
  for (const auto& k : options_.trusted_jwks) {
    if (k.value("kid", "") == kid->get<std::string>()) {
      *alg = k.value("alg", "");
      return jose::PublicKeyFromJwk(k);
    }
  }
  return Unauthenticated("token kid \"" + kid->get<std::string>() + "\" is not in a trusted JWKS");
}

Result<Json> TokenVerifier::Verify(std::string_view token, int64_t now) const {
  ASSIGN_OR_RETURN(jose::JwsParts parts, jose::ParseCompact(token));
  if (!parts.header.is_object()) return InvalidArgument("token header is not a JSON object");
  std::string alg_name;
  ASSIGN_OR_RETURN(crypto::PublicKey key, KeyFor(parts.header, &alg_name));
  if (alg_name.empty()) return Unauthenticated("token signing key has no alg");
  ASSIGN_OR_RETURN(crypto::SignAlg alg, crypto::ParseSignAlg(alg_name));
  jose::JwtValidation v;
  v.now = now;
  v.check_nbf = false;  // Trustee does not validate nbf
  auto claims = jose::VerifyJwtParts(std::move(parts), key, alg, v);
  if (!claims) {
    return std::unexpected(claims.error().code() == Code::kInvalidArgument
                               ? claims.error()
                               : Error(Code::kUnauthenticated, claims.error().message()));
  }
  return claims;
}

Result<Json> TokenVerifier::TeePublicKey(const Json& claims) const {
  std::vector<std::string> paths = options_.extra_teekey_paths;
  for (const char* p :
       {"/tdx/attester_runtime_data/tee-pubkey", "/tdx/attester_user_data/tee-pubkey",
        "/customized_claims/runtime_data/tee-pubkey",
        "/submods/cpu0/ear.veraison.annotated-evidence/runtime_data_claims/tee-pubkey",
        "/tee-pubkey"}) {
    paths.emplace_back(p);
  }
  for (const auto& p : paths) {
    const Json* j = base::FindPointer(claims, p);
    if (j != nullptr && j->is_object()) return *j;
  }
  return NotFound("attestation token carries no tee-pubkey");
}

Result<Json> LoadJwksFile(const std::string& path) {
  std::string p = path.rfind("file://", 0) == 0 ? path.substr(7) : path;
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(p, "JWKS file"));
  ASSIGN_OR_RETURN(Json j, base::ParseJson(text));
  if (!j.is_object() || !j.contains("keys") || !j["keys"].is_array()) {
    return InvalidArgument("JWKS file " + p + " has no \"keys\" array");
  }
  return j["keys"];
}

}  // namespace cocoon::attestation
