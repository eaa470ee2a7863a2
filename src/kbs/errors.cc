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

namespace {

int StatusOfCause(Code cause) {
  switch (cause) {
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kFailedPrecondition:
      return 409;
    case Code::kResourceExhausted:
      return 413;
    case Code::kUnimplemented:
      return 501;
    case Code::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

net::HttpResponse Respond(KbsError e, std::string_view detail, Code cause) {
  OrderedJson body = OrderedJson::object();
  body["type"] =
      "https://github.com/confidential-containers/kbs/errors/" + std::string(KbsErrorName(e));
  body["detail"] = std::string(detail);
  return net::HttpResponse::Json(KbsErrorStatus(e, cause), base::DumpJson(body));
}

}  // namespace

int KbsErrorStatus(KbsError e, Code cause) {
  switch (e) {
    case KbsError::kInvalidRequestPath:
    case KbsError::kPluginNotFound:
      return 404;
    case KbsError::kAttestationError:
    case KbsError::kJweError:
    case KbsError::kTokenNotFound:
    case KbsError::kTokenVerifierError:
      return 401;
    case KbsError::kPolicyDeny:
      return 403;
    case KbsError::kParsePolicyError:
      return 400;
    case KbsError::kAdminAuthAccess:
    case KbsError::kAdminAuthInitialization:
      return cause == Code::kPermissionDenied ? 403 : 401;
    default:
      return StatusOfCause(cause);
  }
}

net::HttpResponse ErrorResponse(KbsError e, std::string_view detail) {
  return Respond(e, detail, Code::kInternal);
}

net::HttpResponse ErrorResponse(KbsError e, const Error& error) {
  return Respond(e, error.message(), error.code());
}

}  // namespace cocoon::kbs
