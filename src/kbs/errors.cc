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

Error ReplyError(int status, std::string_view body, std::string_view what) {
  std::string detail(body.substr(0, 512));
  if (auto j = base::ParseJson(body); j && j->is_object() && j->contains("detail")) {
    detail = j->value("detail", detail);
  }
  Code code = status == 404                    ? Code::kNotFound
              : status == 401 || status == 403 ? Code::kUnauthenticated
              : status == 413                  ? Code::kResourceExhausted
              : status >= 500                  ? Code::kUnavailable
                                               : Code::kInvalidArgument;
  return Error(code,
               std::string(what) + ": KBS answered " + std::to_string(status) + ": " + detail);
}

}  // namespace cocoon::kbs
