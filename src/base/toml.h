// Config files over toml++ (cocoon-kbs, the containerd shim; initdata documents have their own
// reader and writer, initdata/internal/toml.h): parsing (toml++ throws toml::parse_error; it is
// caught here and nowhere else) and typed access to a table whose errors name the key path and
// "file:line:col". Input is an operator's config file.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace cocoon::base {

class TomlTable {
 public:
  // `path` is the dotted key path of `table` ("" for the root); `source` names the file.
  TomlTable(const toml::table& table, std::string path, std::shared_ptr<const std::string> source)
      : table_(&table), path_(std::move(path)), source_(std::move(source)) {}

  const std::string& path() const { return path_; }
  bool Has(std::string_view key) const { return table_->contains(key); }

  // Read*: leave `out` unchanged when the key is absent; InvalidArgument naming the key and its
  // position when the value has the wrong type (or an integer is outside [min, max]).
  Status Read(std::string_view key, std::string& out) const;
  Status Read(std::string_view key, bool& out) const;
  Status Read(std::string_view key, std::vector<std::string>& out) const;
  Status ReadInt(std::string_view key, int64_t min, int64_t max, int64_t& out) const;
  template <typename T>
  Status ReadInt(std::string_view key, int64_t min, int64_t max, T& out) const {
    int64_t v = static_cast<int64_t>(out);
    TRY(ReadInt(key, min, max, v));
    out = static_cast<T>(v);
    return Ok();
  }

  // Sub-table; nullopt when absent, InvalidArgument when not a table.
  Result<std::optional<TomlTable>> Table(std::string_view key) const;
  // Array whose elements are all tables (`[[x]]` or `x = [{…}, …]`); empty when absent.
  Result<std::vector<TomlTable>> TableArray(std::string_view key) const;
  // Scalar values of this table converted to strings; other values are skipped with a warning.
  std::map<std::string, std::string> Scalars() const;

  // Keys not in `known` are logged as warnings (Trustee ignores unknown keys too).
  void WarnUnknown(std::initializer_list<std::string_view> known) const;
  // Keys not in `known` are InvalidArgument (for Trustee sections with deny_unknown_fields).
  Status RejectUnknown(std::initializer_list<std::string_view> known) const;
  // Logs that a key another implementation understands is accepted but has no effect here.
  void WarnIgnored(std::string_view key, std::string_view why) const;

  std::string KeyPath(std::string_view key) const;
  // "file:line:col: <path.key>: message" (position of the value when known).
  std::unexpected<Error> ErrorAt(Code code, std::string_view key, std::string_view message) const;

 private:
  std::string Where(const toml::node* node) const;

  const toml::table* table_;
  std::string path_;
  std::shared_ptr<const std::string> source_;
};

// Owns a parsed document; root() views it.
class TomlDocument {
 public:
  // InvalidArgument "source:line:col: message" on TOML syntax errors.
  static Result<TomlDocument> Parse(std::string_view text, std::string_view source_name);
  TomlTable root() const { return TomlTable(*table_, "", source_); }

 private:
  TomlDocument(std::unique_ptr<toml::table> table, std::shared_ptr<const std::string> source)
      : table_(std::move(table)), source_(std::move(source)) {}

  std::unique_ptr<toml::table> table_;
  std::shared_ptr<const std::string> source_;
};

}  // namespace cocoon::base
