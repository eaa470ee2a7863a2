// toml++ behind the initdata module (see toml.h): exceptions end here.
#include "initdata/internal/toml.h"

#include <toml++/toml.h>

#include <sstream>

namespace cocoon::initdata::internal {
namespace {

Json TomlToJson(const toml::node& node) {
  std::ostringstream ss;
  if (auto* t = node.as_table()) {
    ss << toml::json_formatter{*t};
  } else if (auto* a = node.as_array()) {
    ss << toml::json_formatter{*a};
  } else {
    toml::table wrap;
    wrap.insert("v", node);
    ss << toml::json_formatter{wrap};
    auto j = base::ParseJson(ss.str());
    return j ? (*j)["v"] : Json(nullptr);
  }
  auto j = base::ParseJson(ss.str());
  return j ? *j : Json(nullptr);
}

Result<toml::table> ParseToml(std::string_view text, std::string_view what) {
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& e) {
    std::ostringstream ss;
    ss << what << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
       << e.description();
    return InvalidArgument(ss.str());
  }
}

toml::array ToTomlArray(const Json& array);

toml::table ToTomlTable(const Json& object) {
  toml::table t;
  for (const auto& [k, v] : object.items()) {
    if (v.is_object()) {
      t.insert(k, ToTomlTable(v));
    } else if (v.is_array()) {
      t.insert(k, ToTomlArray(v));
    } else if (v.is_boolean()) {
      t.insert(k, v.get<bool>());
    } else if (v.is_number_integer()) {
      t.insert(k, v.get<int64_t>());
    } else if (v.is_string()) {
      t.insert(k, v.get<std::string>());
    }
  }
  return t;
}

toml::array ToTomlArray(const Json& array) {
  toml::array a;
  for (const Json& v : array) {
    if (v.is_object()) {
      a.push_back(ToTomlTable(v));
    } else if (v.is_array()) {
      a.push_back(ToTomlArray(v));
    } else if (v.is_boolean()) {
      a.push_back(v.get<bool>());
    } else if (v.is_number_integer()) {
      a.push_back(v.get<int64_t>());
    } else if (v.is_string()) {
      a.push_back(v.get<std::string>());
    }
  }
  return a;
}

}  // namespace

Result<ParsedToml> ParseInitDataToml(std::string_view text) {
  ASSIGN_OR_RETURN(toml::table doc, ParseToml(text, "init-data"));
  ParsedToml out;
  out.algorithm = doc["algorithm"].value_or(std::string("sha384"));
  out.data = Json::object();
  if (auto* data = doc["data"].as_table()) {
    for (const auto& [k, v] : *data) {
      std::string key(k.str());
      const std::string* inner_text = v.is_string() ? &v.as_string()->get() : nullptr;
      if (inner_text != nullptr && key.size() > 5 && key.ends_with(".toml")) {
        auto inner = ParseToml(*inner_text, key);
        out.data[key] = inner ? TomlToJson(*inner) : Json(*inner_text);
      } else {
        out.data[key] = TomlToJson(v);
      }
    }
  }
  return out;
}

std::string DumpToml(const Json& object) {
  std::ostringstream out;
  out << ToTomlTable(object);
  return out.str();
}

}  // namespace cocoon::initdata::internal
