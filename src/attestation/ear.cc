// EAR issuance (shape of Trustee's attestation-service/src/ear_token/broker.rs).
#include "attestation/ear.h"

#include "base/encoding.h"
#include "jose/jwk.h"
#include "jose/jwt.h"

namespace cocoon::attestation {

std::string_view TierOf(int v) {
  int a = v < 0 ? -v : v;
  if (a <= 1) return "none";
  if (a <= 31 || v == -32) return "affirming";
  if (a <= 95 || v == -96) return "warning";
  return "contraindicated";
}

std::string EarStatus(const Json& tv) {
  static const std::vector<std::string_view> kOrder = {"none", "affirming", "warning",
                                                       "contraindicated"};
  size_t worst = 0;
  if (!tv.is_object()) return "none";
  for (const auto& [k, v] : tv.items()) {
    if (!v.is_number_integer()) continue;
    auto t = TierOf(v.get<int>());
    for (size_t i = 0; i < kOrder.size(); ++i) {
      if (kOrder[i] == t && i > worst) worst = i;
    }
  }
  return std::string(kOrder[worst]);
}

const std::vector<std::string>& TrustClaimNames() {
  static const std::vector<std::string> kNames = {
      "instance-identity", "configuration",  "executables",    "file-system",
      "hardware",          "runtime-opaque", "storage-opaque", "sourced-data"};
  return kNames;
}

Result<EarIssuer> EarIssuer::Create(EarIssuerOptions options) {
  crypto::PrivateKey key = options.key ? *options.key : crypto::PrivateKey(nullptr);
  if (!options.key) {
    ASSIGN_OR_RETURN(key, crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  }
  if (key.type() != crypto::KeyType::kEcP256) {
    return InvalidArgument("attestation token signer key must be EC P-256 (ES256)");
  }
  if (!options.chain.empty()) {
    ASSIGN_OR_RETURN(crypto::PublicKey leaf_key, options.chain.front().public_key());
    if (!leaf_key.Equals(key.public_key())) {
      return InvalidArgument("attestation token signer certificate does not match the key");
    }
  }
  return EarIssuer(std::move(options), std::move(key));
}

EarIssuer::EarIssuer(EarIssuerOptions o, crypto::PrivateKey key)
    : options_(std::move(o)), key_(std::move(key)), public_key_(key_.public_key()) {
  // Header JWK member order as rust-ear emits it: alg, [x5u], [x5c], kty, crv, x, y.
  OrderedJson jwk = jose::PublicKeyToJwk(public_key_);
  header_jwk_ = OrderedJson::object();
  header_jwk_["alg"] = "ES256";
  if (!options_.cert_url.empty()) header_jwk_["x5u"] = options_.cert_url;
  if (!options_.chain.empty()) {
    OrderedJson x5c = OrderedJson::array();
    for (const auto& c : options_.chain) {
      auto der = c.ToDer();
      if (der) x5c.push_back(base::Base64Encode(*der));
    }
    header_jwk_["x5c"] = x5c;
  }
  for (auto& [k, v] : jwk.items()) {
    if (k != "alg") header_jwk_[k] = v;
  }
}

Result<std::string> EarIssuer::Issue(const std::vector<EarSubmod>& submods, int64_t now) const {
  Json subs = Json::object();
  for (const auto& s : submods) {
    Json tv = Json::object();
    for (const auto& n : TrustClaimNames()) tv[n] = s.trust_vector.value(n, 0);
    Json sub = {{"ear.status", EarStatus(tv)},
                {"ear.trustworthiness-vector", tv},
                {"ear.appraisal-policy-id", s.policy_id},
                {"ear.veraison.annotated-evidence", s.annotated_evidence}};
    if (s.extensions.is_array()) {
      for (const auto& ext : s.extensions) {
        if (ext.is_object() && ext.contains("name") && ext["name"].is_string()) {
          sub[ext["name"].get<std::string>()] = ext.value("value", Json(nullptr));
        }
      }
    }
    subs[s.name] = std::move(sub);
  }
  Json claims = {
      {"eat_profile", options_.profile_name},
      {"iat", now},
      {"ear.verifier-id", {{"developer", options_.developer_name}, {"build", options_.build_name}}},
      {"submods", std::move(subs)},
      {"exp", now + int64_t{options_.duration_min} * 60},
      {"iss", options_.issuer_name}};
  OrderedJson extra = OrderedJson::object();
  extra["jwk"] = header_jwk_;
  return jose::SignJwt(key_, crypto::SignAlg::kEs256, claims, extra);
}

Json EarIssuer::Jwks() const {
  Json k = Json::parse(header_jwk_.dump());
  k.erase("x5u");
  return {{"keys", Json::array({k})}};
}

}  // namespace cocoon::attestation
