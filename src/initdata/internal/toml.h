// The initdata module's one adapter of toml++ (which throws): reading an initdata document's
// algorithm and [data] claims, and writing a TOML table. Nothing else here includes toml++.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json.h"

namespace cocoon::initdata::internal {

struct ParsedToml {
  std::string algorithm;  // the `algorithm` string; "sha384" when absent or not a string
  Json data;              // the [data] table as JSON, *.toml strings parsed; {} when absent
};

// InvalidArgument "init-data:LINE:COL: …" for malformed TOML. A *.toml entry that is not TOML
// stays a string.
Result<ParsedToml> ParseInitDataToml(std::string_view text);

// `object` (strings, booleans, integers, nested objects and arrays of them) as a TOML document,
// keys sorted, as toml++ formats it.
std::string DumpToml(const Json& object);

}  // namespace cocoon::initdata::internal
