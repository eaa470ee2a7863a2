// Rego lexer: turns policy source into tokens with line:column. Input is untrusted; the lexer
// never reads past the end and reports malformed strings/numbers as InvalidArgument.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "policy/rego/ast.h"

namespace cocoon::policy::rego {

enum class Tok { kIdent, kNumber, kString, kPunct, kEof };

struct Token {
  Tok kind = Tok::kEof;
  std::string text;  // identifier, punctuation, raw number text, or decoded string
  Pos pos;
  bool nl_before = false;  // a newline separates this token from the previous one
};

// Tokenizes `src`; errors are "file:line:col: message".
Result<std::vector<Token>> Lex(std::string_view file, std::string_view src);

}  // namespace cocoon::policy::rego
