// nlohmann::json adapter: the only place cocoon catches its exceptions.
#include "base/json.h"

namespace cocoon::base {

Result<Json> ParseJson(std::string_view text, int max_depth) {
  bool too_deep = false;
  auto cb = [&](int depth, Json::parse_event_t, Json&) {
    if (depth >= max_depth) too_deep = true;
    return true;
  };
  try {
    Json j = Json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/true);
    if (too_deep) {
      return InvalidArgument("JSON nesting deeper than " + std::to_string(max_depth));
    }
    return j;
  } catch (const Json::exception& e) {
    if (too_deep) {
      return InvalidArgument("JSON nesting deeper than " + std::to_string(max_depth));
    }
    return InvalidArgument(std::string("malformed JSON: ") + e.what());
  }
}

std::string DumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}
std::string DumpJson(const OrderedJson& j) {
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

namespace {
std::string Quote(std::string_view key) { return "\"" + std::string(key) + "\""; }
}  // namespace

Result<const Json*> FindField(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return InvalidArgument("expected a JSON object around " + Quote(key));
  auto it = obj.find(key);
  if (it == obj.end()) return static_cast<const Json*>(nullptr);
  return &*it;
}

Result<const Json*> GetField(const Json& obj, std::string_view key) {
  ASSIGN_OR_RETURN(const Json* f, FindField(obj, key));
  if (f == nullptr) return InvalidArgument("missing field " + Quote(key));
  return f;
}

Result<std::string> GetString(const Json& obj, std::string_view key) {
  ASSIGN_OR_RETURN(const Json* f, GetField(obj, key));
  if (!f->is_string()) return InvalidArgument("field " + Quote(key) + " must be a string");
  return f->get<std::string>();
}

Result<std::string> GetStringOr(const Json& obj, std::string_view key, std::string fallback) {
  ASSIGN_OR_RETURN(const Json* f, FindField(obj, key));
  if (f == nullptr || f->is_null()) return fallback;
  if (!f->is_string()) return InvalidArgument("field " + Quote(key) + " must be a string");
  return f->get<std::string>();
}

Result<int64_t> GetInt(const Json& obj, std::string_view key) {
  ASSIGN_OR_RETURN(const Json* f, GetField(obj, key));
  if (f->is_number_unsigned()) {
    uint64_t u = f->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX))
      return InvalidArgument("field " + Quote(key) + " out of range");
    return static_cast<int64_t>(u);
  }
  if (!f->is_number_integer())
    return InvalidArgument("field " + Quote(key) + " must be an integer");
  return f->get<int64_t>();
}

Result<bool> GetBool(const Json& obj, std::string_view key) {
  ASSIGN_OR_RETURN(const Json* f, GetField(obj, key));
  if (!f->is_boolean()) return InvalidArgument("field " + Quote(key) + " must be a boolean");
  return f->get<bool>();
}

Result<const Json*> GetObject(const Json& obj, std::string_view key) {
  ASSIGN_OR_RETURN(const Json* f, GetField(obj, key));
  if (!f->is_object()) return InvalidArgument("field " + Quote(key) + " must be an object");
  return f;
}

Result<const Json*> GetArray(const Json& obj, std::string_view key) {
  ASSIGN_OR_RETURN(const Json* f, GetField(obj, key));
  if (!f->is_array()) return InvalidArgument("field " + Quote(key) + " must be an array");
  return f;
}

const Json* FindPointer(const Json& root, std::string_view pointer) {
  try {
    Json::json_pointer p{std::string(pointer)};
    if (!root.contains(p)) return nullptr;
    return &root.at(p);
  } catch (const Json::exception&) {
    return nullptr;
  }
}

}  // namespace cocoon::base
