// OPA's sprintf (Go fmt verbs: %v %s %d %x %X %o %b %c %q %e %f %g with flags, width and
// precision; %!verb(type=value) for a mismatched argument, %!(EXTRA …), %!verb(MISSING)).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/json.h"

namespace cocoon::policy::rego {

std::optional<std::string> Sprintf(const std::string& format, std::span<const Json> args);

// Go's strconv.FormatFloat(d, verb, prec, 64) for verbs e, f, g (prec -1: shortest).
std::string GoFloat(double d, char verb, int prec);
// UTF-8 encoding of one code point.
std::string Utf8(uint32_t cp);
// The first n code points of s.
std::string Utf8Prefix(const std::string& s, size_t n);

}  // namespace cocoon::policy::rego
