// RFC 8785 JSON Canonicalization Scheme: the bytes Trustee hashes to bind a nonce and TEE key
// into evidence. Keys sorted by UTF-16 code units, no whitespace, ECMAScript number formatting.
#pragma once

#include <string>

#include "base/error.h"
#include "base/json.h"

namespace cocoon::base {

// InvalidArgument if the value holds a non-finite number or invalid UTF-8.
Result<std::string> Canonicalize(const Json& value);

// ECMAScript Number::toString for a finite double (exposed for tests).
std::string FormatEcmaNumber(double v);

}  // namespace cocoon::base
