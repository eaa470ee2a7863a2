// KBS admin API client.
#include "kbs/admin_client.h"

#include "base/encoding.h"
#include "base/file.h"
#include "base/json.h"
#include "jose/jwt.h"
#include "kbs/errors.h"
#include "kbs/service.h"

namespace cocoon::kbs {

Result<std::string> MakeAdminToken(const crypto::PrivateKey& key, const AdminClientOptions& o,
                                   int64_t now) {
  crypto::SignAlg alg;
  switch (key.type()) {
    case crypto::KeyType::kEd25519:
      alg = crypto::SignAlg::kEdDsa;
      break;
    case crypto::KeyType::kEcP256:
      alg = crypto::SignAlg::kEs256;
      break;
    case crypto::KeyType::kEcP384:
      alg = crypto::SignAlg::kEs384;
      break;
    case crypto::KeyType::kRsa:
      alg = crypto::SignAlg::kRs256;
      break;
    default:
      return InvalidArgument("admin key must be Ed25519, EC P-256/P-384 or RSA");
  }
  Json claims = {{"role", o.role}, {"iat", now}, {"exp", now + o.token_ttl_seconds}};
  if (!o.issuer.empty()) claims["iss"] = o.issuer;
  if (!o.audience.empty()) claims["aud"] = o.audience;
  return jose::SignJwt(key, alg, claims);
}

Status LoadAdminKey(const std::string& path, AdminClientOptions& o) {
  if (path.empty()) return Ok();
  ASSIGN_OR_RETURN(std::string pem, base::ReadFile(path, "admin key"));
  ASSIGN_OR_RETURN(o.key, crypto::PrivateKey::FromPem(pem));
  return Ok();
}

AdminClient::AdminClient(AdminClientOptions options)
    : options_(std::move(options)), http_([&] {
        net::HttpClientOptions ho;
        ho.ca_file = options_.ca_file;
        ho.cookies = false;
        return ho;
      }()) {
  while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
}

Result<net::Headers> AdminClient::AuthHeaders() {
  net::Headers h;
  if (options_.key) {
    ASSIGN_OR_RETURN(std::string token, MakeAdminToken(*options_.key, options_, SystemClock()));
    h.Set("authorization", "Bearer " + token);
  }
  return h;
}

Result<std::string> AdminClient::CallForBody(std::string_view method, std::string_view route,
                                             std::string_view body, std::string_view content_type,
                                             const net::Headers& extra) {
  ASSIGN_OR_RETURN(net::Headers h, AuthHeaders());
  for (const auto& [name, value] : extra.all()) h.Set(name, value);
  if (!content_type.empty()) h.Set("content-type", std::string(content_type));
  std::string url = options_.url + "/kbs/v0/" + std::string(route);
  ASSIGN_OR_RETURN(auto resp, http_.Send(method, url, h, body));
  if (resp.status != 200)
    return std::unexpected(net::ErrorFromReply(resp.status, resp.body, route));
  return std::move(resp.body);
}

Status AdminClient::Call(std::string_view method, std::string_view route, std::string_view body,
                         std::string_view content_type, const net::Headers& extra) {
  TRY(CallForBody(method, route, body, content_type, extra));
  return Ok();
}

Status AdminClient::SetResource(std::string_view path, ByteSpan value) {
  return Call("POST", "resource/" + std::string(path), AsString(value), "application/octet-stream");
}

Status AdminClient::CreateResource(std::string_view path, ByteSpan value) {
  net::Headers h;
  h.Set("if-none-match", "*");
  return Call("POST", "resource/" + std::string(path), AsString(value), "application/octet-stream",
              h);
}

Result<bool> AdminClient::ResourceExists(std::string_view path) {
  ASSIGN_OR_RETURN(net::Headers h, AuthHeaders());
  const std::string what = "HEAD resource/" + std::string(path);
  ASSIGN_OR_RETURN(auto resp,
                   http_.Send("HEAD", options_.url + "/kbs/v0/resource/" + std::string(path), h));
  auto state = resp.headers.Get(kResourceStateHeader);
  if (state == "present" && resp.status == 200) return true;
  if (state == "absent" && resp.status == 404) return false;
  // A HEAD reply has no body to quote. 401/403: the admin key's problem; 400: a bad path.
  if (resp.status == 401 || resp.status == 403) {
    return std::unexpected(net::ErrorFromReply(
        resp.status, "the KBS refused the admin token (check the admin key and its role)", what));
  }
  if (resp.status == 400) {
    return std::unexpected(net::ErrorFromReply(resp.status, "illegal resource path", what));
  }
  return Unimplemented("KBS " + options_.url + " cannot tell whether a value is stored at " +
                       std::string(path) + " (" + what + " answered " +
                       std::to_string(resp.status) + " without a " +
                       std::string(kResourceStateHeader) + " header: not a cocoon KBS?)");
}

Status AdminClient::DeleteResource(std::string_view path) {
  return Call("DELETE", "resource/" + std::string(path), "", "");
}

Status AdminClient::SetResourcePolicy(std::string_view rego) {
  Json body = {{"policy", base::Base64UrlEncode(rego)}};
  return Call("POST", "resource-policy", base::DumpJson(body), "application/json");
}

Status AdminClient::SetAttestationPolicy(std::string_view id, std::string_view rego) {
  Json body = {{"type", "rego"}, {"policy_id", id}, {"policy", base::Base64UrlEncode(rego)}};
  return Call("POST", "attestation-policy", base::DumpJson(body), "application/json");
}

Status AdminClient::SetReferenceValue(std::string_view message) {
  return Call("POST", "reference-value", message, "application/json");
}

Status AdminClient::SetSampleReferenceValue(std::string_view name, const std::string& value_json,
                                            std::string_view expiration) {
  auto value = base::ParseJson(value_json);
  if (!value) return std::unexpected(value.error().WithContext("reference value"));
  Json payload = {{std::string(name), *value}};
  Json msg = {{"version", "0.1.0"},
              {"type", "sample"},
              {"payload", base::Base64Encode(base::DumpJson(payload))}};
  if (!expiration.empty()) msg["expiration"] = std::string(expiration);
  return SetReferenceValue(base::DumpJson(msg));
}

Result<Json> AdminClient::ListReferenceValues() {
  ASSIGN_OR_RETURN(std::string body, CallForBody("GET", "reference-value", "", ""));
  return base::ParseJson(body);
}

Result<Json> AdminClient::GetReferenceValue(std::string_view name) {
  ASSIGN_OR_RETURN(std::string body,
                   CallForBody("GET", "reference-value/" + std::string(name), "", ""));
  return base::ParseJson(body);
}

Status AdminClient::DeleteReferenceValue(std::string_view name) {
  return Call("DELETE", "reference-value/" + std::string(name), "", "");
}

}  // namespace cocoon::kbs
