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

namespace {

bool HasApostrophe(const Json& j) {
  if (j.is_string()) return j.get_ref<const std::string&>().find('\'') != std::string::npos;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k.find('\'') != std::string::npos || HasApostrophe(v)) return true;
    }
  }
  if (j.is_array()) {
    for (const auto& v : j) {
      if (HasApostrophe(v)) return true;
    }
  }
  return false;
}

}  // namespace

std::string DumpToml(const Json& object) {
  // toml++ 3.3 writes a string holding a run of apostrophes as a multi-line literal string that
  // the run closes early: broken TOML (found by initdata_fuzz). Such documents are written with
  // single-line basic strings ("...", everything escaped); the rest as before.
  auto flags = toml::toml_formatter::default_flags;
  if (HasApostrophe(object)) {
    flags = flags & ~(toml::format_flags::allow_literal_strings |
                      toml::format_flags::allow_multi_line_strings);
  }
  std::ostringstream out;
  out << toml::toml_formatter(ToTomlTable(object), flags);
  return out.str();
}

}  // namespace cocoon::initdata::internal
