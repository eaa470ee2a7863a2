// Resource plugin routes: GET (attestation token + resource policy, JWE to the TEE key) and
// admin POST/DELETE (Trustee kbs/src/plugins/implementations/resource).
#include "base/encoding.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "kbs/errors.h"
#include "kbs/service.h"

namespace cocoon::kbs {
namespace {

Result<jose::KeyAlg> KeyAlgOf(const Json& jwk) {
  ASSIGN_OR_RETURN(std::string alg, base::GetString(jwk, "alg"));
  return jose::ParseKeyAlg(alg);
}

}  // namespace

Result<std::string> KbsService::FindToken(const net::HttpRequest& req) {
  if (auto cookie = req.Cookie("kbs-session-id")) {
    auto s = sessions_->Get(*cookie, clock_());
    if (s && s->token) return *s->token;
  }
  if (auto bearer = req.BearerToken()) return std::string(*bearer);
  return NotFound("Attestation Token not found");
}

net::HttpResponse KbsService::GetResource(const net::HttpRequest& req,
                                          const std::vector<std::string>& path) {
  auto token = FindToken(req);
  if (!token) return ErrorResponse(KbsError::kTokenNotFound, token.error());
  auto claims = token_verifier_->Verify(*token, clock_());
  if (!claims) return ErrorResponse(KbsError::kTokenVerifierError, claims.error());

  Json segments = Json::array();
  for (const auto& s : path) segments.push_back(s);
  Json query = Json::object();
  for (const auto& [k, v] : net::ParseQuery(req.query)) query[k] = v;
  Json data = {{"plugin", "resource"}, {"resource-path", segments}, {"query", query}};
  auto policy = resource_policy();
  auto allow = policy->Query("data.policy.allow", *claims, data);
  if (!allow) {  // the KBS's own policy failed to evaluate: a server fault, not the client's
    return ErrorResponse(KbsError::kPolicyEngineError,
                         Error(Code::kInternal, allow.error().message()));
  }
  if (!allow->is_boolean() || !allow->get<bool>()) {
    return ErrorResponse(KbsError::kPolicyDeny, "Access denied by policy");
  }

  auto desc = ParseResourceDesc(path);
  if (!desc) return ErrorResponse(KbsError::kPluginInternalError, desc.error());
  auto value = resources_->Read(*desc);
  if (!value) return ErrorResponse(KbsError::kPluginInternalError, value.error());

  auto jwk = token_verifier_->TeePublicKey(*claims);
  if (!jwk) return ErrorResponse(KbsError::kJweError, jwk.error());
  auto key = tee_keys_.Get(*jwk);
  auto alg = KeyAlgOf(*jwk);
  if (!key || !alg) return ErrorResponse(KbsError::kJweError, "token tee-pubkey is not usable");
  auto jwe = jose::EncryptFlattened(*key, *alg, *value);
  if (!jwe) return ErrorResponse(KbsError::kJweError, jwe.error());
  return net::HttpResponse::Json(200, base::DumpJson(*jwe));
}

// Admin POST (store; with "If-None-Match: *" only when absent, 409 otherwise), DELETE, and
// HEAD (cocoon extension: 200 if a value is stored, 404 if not; the value is never sent).
net::HttpResponse KbsService::WriteResource(const net::HttpRequest& req,
                                            const std::vector<std::string>& path) {
  if (auto st = admin_->Authorize(req, clock_()); !st) {
    return ErrorResponse(KbsError::kAdminAuthInitialization, st.error());
  }
  auto desc = ParseResourceDesc(path);
  if (!desc) return ErrorResponse(KbsError::kPluginInternalError, desc.error());
  if (req.method == "HEAD") {
    auto value = resources_->Read(*desc);
    auto resp = value ? net::HttpResponse::Text(200, "")
                      : ErrorResponse(KbsError::kPluginInternalError, value.error());
    // Tells a client this KBS answered the question (any other server's 404 would not).
    if (resp.status == 200 || resp.status == 404) {
      resp.headers.Set(std::string(kResourceStateHeader),
                       resp.status == 200 ? "present" : "absent");
    }
    return resp;
  }
  bool create_only = req.headers.Get("if-none-match").value_or("") == "*";
  Status st = req.method == "DELETE"
                  ? resources_->Delete(*desc)
                  : resources_->Write(*desc, AsBytes(req.body), /*overwrite=*/!create_only);
  if (!st) return ErrorResponse(KbsError::kPluginInternalError, st.error());
  return net::HttpResponse::Text(200, "", "text/xml");
}

}  // namespace cocoon::kbs
