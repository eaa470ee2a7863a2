// Test support: the RCAR handshake by hand over HTTP (what a client of any make sends), with the
// evidence produced by a test function of the report data, so a test can play an attacker.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "attestation/service.h"
#include "base/json.h"
#include "crypto/keys.h"
#include "initdata/initdata.h"
#include "jose/jwk.h"
#include "net/http_client.h"

namespace cocoon::rcar_test {

class RawRcarClient {
 public:
  explicit RawRcarClient(std::string url) : url_(std::move(url)) {}

  // POST /kbs/v0/auth for `tee`; keeps the session cookie.
  Result<net::ClientResponse> Auth(const std::string& tee) {
    return http_.Post(url_ + "/kbs/v0/auth",
                      R"({"version":"0.4.0","tee":")" + tee + R"(","extra-params":""})",
                      JsonHeaders());
  }

  // POST /kbs/v0/attest with `make_evidence(report_data)` for the nonce of `auth_body`.
  Result<net::ClientResponse> Attest(const std::string& auth_body,
                                     const std::function<Result<Json>(ByteSpan)>& make_evidence,
                                     std::optional<initdata::InitData> init = std::nullopt) {
    ASSIGN_OR_RETURN(Json challenge, base::ParseJson(auth_body));
    ASSIGN_OR_RETURN(std::string nonce, base::GetString(challenge, "nonce"));
    ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
    ASSIGN_OR_RETURN(
        Json jwk, base::ParseJson(jose::PublicKeyToJwk(key.public_key(), "ECDH-ES+A256KW").dump()));
    Json bound = {{"kty", jwk["kty"]},
                  {"crv", jwk["crv"]},
                  {"alg", jwk["alg"]},
                  {"x", jwk["x"]},
                  {"y", jwk["y"]}};
    Json runtime = {{"tee-pubkey", bound}, {"nonce", nonce}, {"additional-evidence", ""}};
    ASSIGN_OR_RETURN(Bytes report_data,
                     attestation::RuntimeDataDigest(runtime, crypto::HashAlg::kSha384));
    ASSIGN_OR_RETURN(Json evidence, make_evidence(report_data));
    Json body = {{"runtime-data", {{"tee-pubkey", bound}, {"nonce", nonce}}},
                 {"tee-evidence", {{"primary_evidence", evidence}, {"additional_evidence", ""}}}};
    if (init) body["init-data"] = {{"format", init->format}, {"body", init->body}};
    return http_.Post(url_ + "/kbs/v0/attest", body.dump(), JsonHeaders());
  }

  // GET /kbs/v0/resource/<path> with the session cookie.
  Result<net::ClientResponse> Resource(const std::string& path) {
    return http_.Get(url_ + "/kbs/v0/resource/" + path);
  }

  // Auth + Attest + Resource; the first non-200 reply (or the resource's) is returned.
  Result<net::ClientResponse> Fetch(const std::string& tee, const std::string& path,
                                    const std::function<Result<Json>(ByteSpan)>& make_evidence,
                                    std::optional<initdata::InitData> init = std::nullopt) {
    ASSIGN_OR_RETURN(auto auth, Auth(tee));
    if (auth.status != 200) return auth;
    ASSIGN_OR_RETURN(auto att, Attest(auth.body, make_evidence, std::move(init)));
    if (att.status != 200) return att;
    return Resource(path);
  }

 private:
  net::Headers JsonHeaders() const {
    net::Headers h;
    h.Set("content-type", "application/json");
    return h;
  }

  std::string url_;
  net::HttpClient http_;
};

}  // namespace cocoon::rcar_test
