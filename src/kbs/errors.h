// KBS error bodies exactly as Trustee sends them (kbs/src/error.rs):
// {"type":"https://github.com/confidential-containers/kbs/errors/<Variant>","detail":"…"},
// HTTP 404 for InvalidRequestPath and PluginNotFound, 401 for everything else.
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

std::string_view KbsErrorName(KbsError e);
int KbsErrorStatus(KbsError e);

// The HTTP response for `e` with `detail`.
net::HttpResponse ErrorResponse(KbsError e, std::string_view detail);
// Same, with the detail taken from a cocoon Error.
net::HttpResponse ErrorResponse(KbsError e, const Error& error);

}  // namespace cocoon::kbs
