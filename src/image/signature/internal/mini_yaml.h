// A strict parser for the YAML subset registries.d files use: block mappings of scalars
// (plain, 'single' or "double" quoted), comments, an optional leading "---". Anything else
// (sequences, flow collections, anchors, multi-line scalars, tabs) is InvalidArgument naming the
// line. Input is configuration but parsed as untrusted text.
#pragma once

#include <string_view>

#include "base/error.h"
#include "base/json.h"

namespace cocoon::image::internal {

// A JSON object whose leaves are strings (scalars) or null (empty values). Duplicate keys,
// nesting deeper than 8 levels and input over 1 MiB are errors.
Result<Json> ParseMiniYaml(std::string_view text);

}  // namespace cocoon::image::internal
