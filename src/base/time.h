// RFC 3339 timestamps <-> unix seconds (UTC). Input comes from users, configs and certificates'
// neighbours (collateral JSON), so parsing is strict.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace cocoon::base {

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" (also a lower-case 't'/'z' or a space for 'T').
// Fractions are truncated. InvalidArgument naming the text otherwise (including impossible
// dates such as 2026-02-30).
Result<int64_t> ParseRfc3339(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ".
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace cocoon::base
