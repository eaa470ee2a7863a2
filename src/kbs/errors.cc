// KBS error responses.
#include "kbs/errors.h"

#include "base/json.h"

namespace cocoon::kbs {

std::string_view KbsErrorName(KbsError e) {
  switch (e) {
    case KbsError::kAdminAuthAccess:
      return "AdminAuthAccess";
    case KbsError::kAdminAuthInitialization:
      return "AdminAuthInitialization";
    case KbsError::kAttestationError:
      return "AttestationError";
    case KbsError::kInvalidRequestPath:
      return "InvalidRequestPath";
    case KbsError::kJweError:
      return "JweError";
    case KbsError::kPluginInternalError:
      return "PluginInternalError";
    case KbsError::kPluginNotFound:
      return "PluginNotFound";
    case KbsError::kPolicyDeny:
      return "PolicyDeny";
    case KbsError::kPolicyEngineError:
      return "PolicyEngineError";
    case KbsError::kParsePolicyError:
      return "ParsePolicyError";
    case KbsError::kRvpsError:
      return "RvpsError";
    case KbsError::kSerdeError:
      return "SerdeError";
    case KbsError::kTokenNotFound:
      return "TokenNotFound";
    case KbsError::kTokenVerifierError:
      return "TokenVerifierError";
  }
  return "Unknown";
}

int KbsErrorStatus(KbsError e) {
  return e == KbsError::kInvalidRequestPath || e == KbsError::kPluginNotFound ? 404 : 401;
}

net::HttpResponse ErrorResponse(KbsError e, std::string_view detail) {
  OrderedJson body = OrderedJson::object();
  body["type"] =
      "https://github.com/confidential-containers/kbs/errors/" + std::string(KbsErrorName(e));
  body["detail"] = std::string(detail);
  return net::HttpResponse::Json(KbsErrorStatus(e), base::DumpJson(body));
}

net::HttpResponse ErrorResponse(KbsError e, const Error& error) {
  return ErrorResponse(e, error.message());
}

}  // namespace cocoon::kbs
