// toml++ adapter: parse without exceptions, typed reads with positioned error messages.
#include "base/toml.h"

#include <algorithm>
#include <sstream>

#include "base/logging.h"

namespace cocoon::base {
namespace {

std::string_view TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string Position(std::string_view source, const toml::source_position& pos) {
  return std::string(source) + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

bool Contains(std::initializer_list<std::string_view> known, std::string_view key) {
  return std::find(known.begin(), known.end(), key) != known.end();
}

std::optional<std::string> ScalarToString(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  if (node.is_array() || node.is_table()) return std::nullopt;
  std::ostringstream os;  // float, date, time, date-time: TOML spelling
  node.visit([&os](const auto& v) { os << v; });
  return os.str();
}

}  // namespace

std::string TomlTable::KeyPath(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  std::string p = path_;
  if (!key.empty() && key.front() != '[') p += '.';
  p += key;
  return p;
}

std::string TomlTable::Where(const toml::node* node) const {
  const toml::node* at = node != nullptr ? node : table_;
  if (at->source().begin.line == 0) return *source_;
  return Position(*source_, at->source().begin);
}

std::unexpected<Error> TomlTable::ErrorAt(Code code, std::string_view key,
                                          std::string_view message) const {
  std::string m = Where(table_->get(key));
  m += ": ";
  m += KeyPath(key);
  m += ": ";
  m += message;
  return MakeError(code, std::move(m));
}

Status TomlTable::Read(std::string_view key, std::string& out) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return Ok();
  const auto* s = node->as_string();
  if (s == nullptr) {
    return ErrorAt(Code::kInvalidArgument, key,
                   "expected a string, got " + std::string(TypeName(node->type())));
  }
  out = s->get();
  return Ok();
}

Status TomlTable::Read(std::string_view key, bool& out) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return Ok();
  const auto* b = node->as_boolean();
  if (b == nullptr) {
    return ErrorAt(Code::kInvalidArgument, key,
                   "expected a boolean, got " + std::string(TypeName(node->type())));
  }
  out = b->get();
  return Ok();
}

Status TomlTable::Read(std::string_view key, std::vector<std::string>& out) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return Ok();
  const auto* arr = node->as_array();
  if (arr == nullptr) {
    return ErrorAt(Code::kInvalidArgument, key,
                   "expected an array of strings, got " + std::string(TypeName(node->type())));
  }
  std::vector<std::string> values;
  for (size_t i = 0; i < arr->size(); ++i) {
    const auto* s = (*arr)[i].as_string();
    if (s == nullptr) {
      return ErrorAt(Code::kInvalidArgument, key,
                     "element " + std::to_string(i) + " is a " +
                         std::string(TypeName((*arr)[i].type())) + ", expected a string");
    }
    values.push_back(s->get());
  }
  out = std::move(values);
  return Ok();
}

Status TomlTable::ReadInt(std::string_view key, int64_t min, int64_t max, int64_t& out) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return Ok();
  const auto* i = node->as_integer();
  if (i == nullptr) {
    return ErrorAt(Code::kInvalidArgument, key,
                   "expected an integer, got " + std::string(TypeName(node->type())));
  }
  if (i->get() < min || i->get() > max) {
    return ErrorAt(Code::kInvalidArgument, key,
                   std::to_string(i->get()) + " is outside [" + std::to_string(min) + ", " +
                       std::to_string(max) + "]");
  }
  out = i->get();
  return Ok();
}

Result<std::optional<TomlTable>> TomlTable::Table(std::string_view key) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return std::nullopt;
  const auto* t = node->as_table();
  if (t == nullptr) {
    return ErrorAt(Code::kInvalidArgument, key,
                   "expected a table, got " + std::string(TypeName(node->type())));
  }
  return TomlTable(*t, KeyPath(key), source_);
}

Result<std::vector<TomlTable>> TomlTable::TableArray(std::string_view key) const {
  std::vector<TomlTable> tables;
  const toml::node* node = table_->get(key);
  if (node == nullptr) return tables;
  const auto* arr = node->as_array();
  if (arr == nullptr) {
    return ErrorAt(Code::kInvalidArgument, key,
                   "expected an array of tables, got " + std::string(TypeName(node->type())));
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const auto* t = (*arr)[i].as_table();
    if (t == nullptr) {
      return ErrorAt(Code::kInvalidArgument, key,
                     "element " + std::to_string(i) + " is a " +
                         std::string(TypeName((*arr)[i].type())) + ", expected a table");
    }
    tables.emplace_back(*t, KeyPath(key) + "[" + std::to_string(i) + "]", source_);
  }
  return tables;
}

std::map<std::string, std::string> TomlTable::Scalars() const {
  std::map<std::string, std::string> out;
  for (const auto& [key, node] : *table_) {
    auto value = ScalarToString(node);
    if (value.has_value()) {
      out.emplace(std::string(key.str()), std::move(*value));
    } else {
      LOG_WARN("{}: {}: non-scalar value ignored", Where(&node), KeyPath(key.str()));
    }
  }
  return out;
}

void TomlTable::WarnUnknown(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, node] : *table_) {
    if (!Contains(known, key.str())) {
      LOG_WARN("{}: unknown key {} ignored", Where(&node), KeyPath(key.str()));
    }
  }
}

Status TomlTable::RejectUnknown(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, node] : *table_) {
    if (!Contains(known, key.str())) {
      return ErrorAt(Code::kInvalidArgument, key.str(), "unknown key (this section is strict)");
    }
  }
  return Ok();
}

void TomlTable::WarnIgnored(std::string_view key, std::string_view why) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return;
  LOG_WARN("{}: {} is accepted but ignored: {}", Where(node), KeyPath(key), why);
}

Result<TomlDocument> TomlDocument::Parse(std::string_view text, std::string_view source_name) {
  auto source = std::make_shared<const std::string>(source_name);
  // Debian's libtomlplusplus is a shared library built with exceptions, so parse() throws.
  auto table = std::make_unique<toml::table>();
  try {
    *table = toml::parse(text, source_name);
  } catch (const toml::parse_error& err) {
    return InvalidArgument(Position(*source, err.source().begin) + ": " +
                           std::string(err.description()));
  }
  return TomlDocument(std::move(table), std::move(source));
}

}  // namespace cocoon::base
