// The one adapter between cocoon and nlohmann::json (which throws): parsing with a depth limit,
// typed field access that returns Result, and dumping that cannot throw on bad UTF-8.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "base/limits.h"

namespace cocoon {
using Json = nlohmann::json;
// Insertion-ordered JSON object: used where a peer hashes or compares our exact serialisation.
using OrderedJson = nlohmann::ordered_json;
}  // namespace cocoon

namespace cocoon::base {

// Parses untrusted JSON text. InvalidArgument on syntax errors (with byte offset) or nesting
// deeper than `max_depth`.
Result<Json> ParseJson(std::string_view text, int max_depth = limits::kJsonMaxDepth);
inline Result<Json> ParseJson(ByteSpan b, int max_depth = limits::kJsonMaxDepth) {
  return ParseJson(AsString(b), max_depth);
}

// Compact serialisation; invalid UTF-8 is replaced rather than thrown on.
std::string DumpJson(const Json& j);
std::string DumpJson(const OrderedJson& j);

// Typed accessors. `obj` must be an object; missing keys are InvalidArgument naming the key.
Result<const Json*> GetField(const Json& obj, std::string_view key);
Result<std::string> GetString(const Json& obj, std::string_view key);
Result<int64_t> GetInt(const Json& obj, std::string_view key);
Result<bool> GetBool(const Json& obj, std::string_view key);
Result<const Json*> GetObject(const Json& obj, std::string_view key);
Result<const Json*> GetArray(const Json& obj, std::string_view key);
// Optional variants: nullopt-like (nullptr / empty) when absent; error if present but wrong type.
Result<const Json*> FindField(const Json& obj, std::string_view key);
Result<std::string> GetStringOr(const Json& obj, std::string_view key, std::string fallback);

// JSON pointer lookup (RFC 6901) that never throws; nullptr if absent or malformed.
const Json* FindPointer(const Json& root, std::string_view pointer);

}  // namespace cocoon::base
