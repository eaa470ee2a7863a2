// Block-mapping YAML subset parser (registries.d).

#include "image/signature/internal/mini_yaml.h"

#include <string>
#include <vector>

namespace cocoon::image::internal {
namespace {

constexpr size_t kYamlMaxBytes = 1024 * 1024;
constexpr int kYamlMaxDepth = 8;

struct Line {
  size_t number;
  size_t indent;
  std::string_view text;  // without indentation and comment, right-trimmed
};

std::string At(size_t n) { return "registries.d YAML line " + std::to_string(n); }

// Strips a comment ('#' at the start or after whitespace, outside quotes).
std::string_view StripComment(std::string_view s) {
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || s[i - 1] == ' ')) {
      return s.substr(0, i);
    }
  }
  return s;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

Result<std::vector<Line>> SplitLines(std::string_view text) {
  std::vector<Line> lines;
  size_t number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == text.npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    size_t indent = raw.find_first_not_of(' ');
    if (indent != raw.npos && raw[indent] == '\t') return InvalidArgument(At(number) + ": tab");
    std::string_view body = Trim(StripComment(raw));
    if (body.empty() || (lines.empty() && body == "---")) continue;
    lines.push_back({number, indent, body});
  }
  return lines;
}

Result<std::string> Scalar(std::string_view v, size_t line) {
  if (v.empty()) return std::string();
  char q = v.front();
  if (q == '"' || q == '\'') {
    if (v.size() < 2 || v.back() != q) return InvalidArgument(At(line) + ": unterminated quote");
    std::string out;
    for (size_t i = 1; i + 1 < v.size(); ++i) {
      char c = v[i];
      if (q == '\'' && c == '\'') {
        if (v[i + 1] != '\'' || i + 2 >= v.size()) return InvalidArgument(At(line) + ": quote");
        ++i;
      } else if (q == '"' && c == '\\') {
        if (i + 2 >= v.size()) return InvalidArgument(At(line) + ": bad escape");
        char e = v[++i];
        if (e != '"' && e != '\\' && e != '/') return InvalidArgument(At(line) + ": bad escape");
        c = e;
      } else if (c == q) {
        return InvalidArgument(At(line) + ": stray quote");
      }
      out.push_back(c);
    }
    return out;
  }
  bool wildcard = v.starts_with("*.");
  if (!wildcard && std::string_view("[{&*!|>%@`-").find(q) != std::string_view::npos) {
    return InvalidArgument(At(line) + ": unsupported YAML construct '" + std::string(1, q) + "'");
  }
  return std::string(v);
}

// Splits "key: value" / "key:" at the first ": " or a trailing ':'.
Result<std::pair<std::string, std::string_view>> KeyValue(const Line& l) {
  if (l.text == "-" || l.text.starts_with("- ")) {
    return InvalidArgument(At(l.number) + ": unsupported YAML construct (sequence)");
  }
  size_t sep = l.text.find(": ");
  if (sep == l.text.npos) {
    if (l.text.back() != ':') return InvalidArgument(At(l.number) + ": expected 'key: value'");
    sep = l.text.size() - 1;
  }
  std::string_view key = Trim(l.text.substr(0, sep));
  if (key.empty()) return InvalidArgument(At(l.number) + ": empty key");
  ASSIGN_OR_RETURN(std::string k, Scalar(key, l.number));
  std::string_view value =
      sep + 1 < l.text.size() ? Trim(l.text.substr(sep + 1)) : std::string_view();
  return std::make_pair(std::move(k), value);
}

Result<Json> ParseMapping(const std::vector<Line>& lines, size_t& i, size_t indent, int depth) {
  if (depth > kYamlMaxDepth) return InvalidArgument(At(lines[i].number) + ": nested too deeply");
  Json obj = Json::object();
  while (i < lines.size() && lines[i].indent >= indent) {
    const Line& l = lines[i];
    if (l.indent > indent) return InvalidArgument(At(l.number) + ": unexpected indentation");
    ASSIGN_OR_RETURN(auto kv, KeyValue(l));
    if (obj.contains(kv.first)) {
      return InvalidArgument(At(l.number) + ": duplicate key '" + kv.first + "'");
    }
    ++i;
    if (!kv.second.empty()) {
      ASSIGN_OR_RETURN(std::string v, Scalar(kv.second, l.number));
      obj[kv.first] = std::move(v);
    } else if (i < lines.size() && lines[i].indent > indent) {
      ASSIGN_OR_RETURN(obj[kv.first], ParseMapping(lines, i, lines[i].indent, depth + 1));
    } else {
      obj[kv.first] = nullptr;
    }
  }
  return obj;
}

}  // namespace

Result<Json> ParseMiniYaml(std::string_view text) {
  if (text.size() > kYamlMaxBytes) return ResourceExhausted("registries.d YAML exceeds 1 MiB");
  ASSIGN_OR_RETURN(std::vector<Line> lines, SplitLines(text));
  if (lines.empty()) return Json::object();
  size_t i = 0;
  ASSIGN_OR_RETURN(Json root, ParseMapping(lines, i, lines[0].indent, 0));
  if (i != lines.size()) return InvalidArgument(At(lines[i].number) + ": bad indentation");
  return root;
}

}  // namespace cocoon::image::internal
