// KBS error bodies in Trustee's shape (kbs/src/error.rs):
// {"type":"https://github.com/confidential-containers/kbs/errors/<Variant>","detail":"…"}.
// The HTTP status follows the cause (docs/kbs.md "Error statuses"): Trustee answers 401 for
// every variant but InvalidRequestPath and PluginNotFound (404); cocoon keeps 401 where it
// tells a client to (re-)attest or authenticate, and otherwise says what went wrong: 400 for a
// bad policy or path, 403 for a policy denial, 404 for a missing resource, 500 for a fault.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "net/http.h"

namespace cocoon::kbs {

enum class KbsError {
  kAdminAuthAccess,
  kAdminAuthInitialization,
  kAttestationError,
  kInvalidRequestPath,
  kJweError,
  kPluginInternalError,
  kPluginNotFound,
  kPolicyDeny,
  kPolicyEngineError,
  kParsePolicyError,
  kRvpsError,
  kSerdeError,
  kTokenNotFound,
  kTokenVerifierError,
};

// Header of the admin HEAD /kbs/v0/resource/R/T/TAG reply (cocoon extension): "present" or
// "absent". Its absence means the server cannot answer (a Trustee KBS).
inline constexpr std::string_view kResourceStateHeader = "cocoon-resource-state";

std::string_view KbsErrorName(KbsError e);
// The status for variant `e` whose underlying cause has code `cause`. Token, attestation and JWE
// variants stay 401 (a client re-attests on 401); PolicyDeny is 403; ParsePolicyError 400;
// AdminAuth* 401 or 403 (PermissionDenied); the rest map the cause's code (InvalidArgument 400,
// NotFound 404, FailedPrecondition 409, ResourceExhausted 413, anything unexpected 500).
int KbsErrorStatus(KbsError e, Code cause);

// The HTTP response for `e` with `detail` (a cause without a code: Internal).
net::HttpResponse ErrorResponse(KbsError e, std::string_view detail);
// Same, with the detail and the cause's code taken from a cocoon Error.
net::HttpResponse ErrorResponse(KbsError e, const Error& error);

}  // namespace cocoon::kbs
